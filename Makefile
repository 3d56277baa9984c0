# imapscope — build, test, demo, captures, benchmarks.
GO       ?= go
BIN      := bin/imapscope
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DEMO_PCAP ?= pcaps/dovecot/demo.pcap

.PHONY: all build test vet demo pcaps pcaps-compare bench fuzz clean

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
	@# Allocation-count tests skip under -race (sync.Pool drops items there): run them plainly.
	[ -z "$(RACE)" ] || $(GO) test -count=1 -run 'Allocs|TestBenchgenTLSDecrypted' ./tlsdecrypt ./pipeline

demo: build
	./$(BIN) read --format table $(DEMO_PCAP)

# fuzz: each native fuzz target for FUZZTIME (default 30s each).
fuzz:
	GO=$(GO) FUZZTIME=$(or $(FUZZTIME),30s) ./scripts/fuzz.sh

# pcaps: regenerate every capture in pcaps/ (root for the first six: network
# namespaces, tcpdump; they apt-get install Dovecot, Cyrus, Courier, clients).
# PCAPS_OUT=DIR writes DIR/dovecot, DIR/cyrus, ... instead of pcaps/, and
# pcaps-compare then checks DIR against the committed captures (pcaps/README.md).
PCAPS_SETS := dovecot cyrus courier imap3 conform tls secrets transport
pcaps_out = $(if $(PCAPS_OUT),OUT=$(abspath $(PCAPS_OUT))/$(1))
pcaps:
	$(call pcaps_out,dovecot) bash pcaps/gen/dovecot.sh
	$(call pcaps_out,cyrus) bash pcaps/gen/cyrus.sh
	$(call pcaps_out,courier) bash pcaps/gen/courier.sh
	$(call pcaps_out,imap3) bash pcaps/gen/imap3.sh
	$(call pcaps_out,conform) bash pcaps/gen/conform.sh
	$(call pcaps_out,tls) bash pcaps/gen/tls.sh
	$(call pcaps_out,secrets) GO=$(GO) sh pcaps/gen/secrets.sh
	$(call pcaps_out,transport) GO=$(GO) sh pcaps/gen/transport.sh

# pcaps-compare: PCAPS_OUT's captures against pcaps/: truth files and reports
# (sessions, commands, statuses, users) for the real captures, bytes for the
# crafted ones (secrets, transport), which are reproducible.
pcaps-compare: build
	@[ -n "$(PCAPS_OUT)" ] || { echo "pcaps-compare: set PCAPS_OUT=DIR (make pcaps PCAPS_OUT=DIR first)"; exit 2; }
	@fail=0; for d in $(PCAPS_SETS); do \
	  case $$d in \
	  secrets|transport) for f in pcaps/$$d/*; do cmp -s "$$f" "$(PCAPS_OUT)/$$d/$${f##*/}" || { echo "$$f differs"; fail=1; }; done ;; \
	  *) echo "== $$d"; python3 pcaps/gen/compare.py --imapscope $(BIN) pcaps/$$d $(PCAPS_OUT)/$$d || fail=1 ;; \
	  esac; done; exit $$fail

clean:
	rm -rf bin

# bench: throughput/RSS over a synthetic capture (BENCH_SIZE=1GB, BENCH_DIR, BENCH_ROUNDS=3, BENCH_SEED, BENCH_FLAGS);
# BENCH_MANY=1 / BENCH_LONG=1 add a million short sessions / one 200,000-command session in every format.
bench:
	GO=$(GO) ./scripts/bench.sh
