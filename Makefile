# imapscope — build, test, demo, captures, benchmarks.
GO       ?= go
BIN      := bin/imapscope
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DEMO_PCAP ?= pcaps/dovecot/demo.pcap

.PHONY: all build test vet demo pcaps bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/imapscope

vet:
	$(GO) vet ./...

# RACE is -race when the race detector can work here (cgo enabled and a C
# compiler present), else empty: make test then needs nothing but Go.
RACE ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

# test: vet, the unit tests (race-enabled where cgo works) and the golden tests over pcaps/.
# -timeout 40m: the pipeline package runs every capture under every fault
# and worker count; under -race on a loaded 2-core host it passes 10 minutes.
test: vet
	CGO_ENABLED=0 $(GO) build ./...
	@[ -n "$(RACE)" ] || echo "make test: no C compiler or cgo disabled: running without the race detector"
	$(GO) test $(RACE) -count=1 -timeout 40m ./...

demo: build
	./$(BIN) read --format table $(DEMO_PCAP)

# fuzz: each native fuzz target for FUZZTIME (default 30s each).
fuzz:
	GO=$(GO) FUZZTIME=$(or $(FUZZTIME),30s) ./scripts/fuzz.sh

# pcaps: regenerate every capture in pcaps/ (root; installs Dovecot, tcpdump… with apt-get).
pcaps:
	bash pcaps/gen/dovecot.sh
	bash pcaps/gen/cyrus.sh
	bash pcaps/gen/courier.sh
	bash pcaps/gen/imap3.sh
	bash pcaps/gen/conform.sh

clean:
	rm -rf bin

# bench: throughput/RSS over a synthetic capture (BENCH_SIZE=1GB, BENCH_DIR, BENCH_ROUNDS=3, BENCH_SEED, BENCH_FLAGS);
# BENCH_MANY=1 / BENCH_LONG=1 add a million short sessions / one 200,000-command session in every format.
bench:
	GO=$(GO) ./scripts/bench.sh
