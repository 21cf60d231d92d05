# paylab — the two commands of the README's Quick start are `make demo` and
# `make test`; the rest are for developers.
GO       ?= go
FUZZTIME ?= 60s
BIN      := bin
# What ci/setup.sh found or started for the tests (PAYLAB_POSTGRES_DSN).
ENV      := set -a; [ ! -f .paylab/env ] || . ./.paylab/env; set +a;

.PHONY: demo test setup build lint vet unit suite-pcsc suite-postgres fuzz bench pki clean

## demo: run the scenario suite on the emulated bench and write the report
demo: setup build
	$(BIN)/paylab run --bench fixtures/benches/emulated.yaml --out reports/out --procs 2 --screenshot

## test: every test (format, vet, unit, fuzz seed corpora, scenario suite)
test: setup lint vet unit suite-pcsc suite-postgres

setup:
	@ci/setup.sh

build:
	$(GO) build -o $(BIN)/paylab ./cmd/paylab
	$(GO) test -c -o $(BIN)/scenarios.test ./scenarios

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	@$(ENV) $(GO) test -count=1 ./...

## suite-pcsc: the scenario suite with the card behind pcscd and vpcd (fixtures/benches/pcsc.yaml)
suite-pcsc:
	$(GO) test -count=1 ./scenarios -args -paylab.bench=pcsc -paylab.report-dir=$(CURDIR)/reports/out/pcsc
	@grep -Eq '"name": *"Virtual PCD' reports/out/pcsc/report.json && grep -Eq '"atr": *"3B' reports/out/pcsc/report.json \
		|| { echo "suite-pcsc: reports/out/pcsc/report.json names no Virtual PCD reader and ATR" >&2; exit 1; }
	@echo "suite-pcsc: report names the reader and ATR: reports/out/pcsc/report.json"

## suite-postgres: the HOST flow with the acquirer's journal on PostgreSQL (ci/setup.d/30-postgres.sh)
suite-postgres:
	@$(ENV) PAYLAB_JOURNAL=postgres $(GO) test -count=1 ./scenarios -args -ginkgo.label-filter=flow:HOST

## fuzz: every FuzzXxx target for FUZZTIME each (make fuzz FUZZTIME=10s)
fuzz:
	@ci/fuzz.sh $(FUZZTIME)

## bench: the benchmarks whose figures go into the issues' closing notes
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./harness/...

clean:
	rm -rf $(BIN) reports/out
