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

# test: vet, the race-enabled unit tests and the golden tests over pcaps/.
test: vet
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -race -count=1 ./...

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

# bench: throughput/RSS over a synthetic capture (BENCH_SIZE=1GB, BENCH_DIR, BENCH_ROUNDS=3, BENCH_SEED, BENCH_FLAGS).
bench:
	GO=$(GO) ./scripts/bench.sh
