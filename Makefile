# edwh build, test and demo. duckdb-go compiles its Arrow interface only
# with the duckdb_arrow tag, so every build and test sets it.
GO      ?= go
TAGS    := duckdb_arrow
BIN     := bin/edwh
DEMO    := demo
export CGO_ENABLED := 1

.PHONY: all build test demo bench coverage clean fmt vet

all: build

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/edwh

vet:
	$(GO) vet -tags $(TAGS) ./...

# The whole suite, crash tests included. Benchmarks are not part of it.
test: vet
	$(GO) test -tags $(TAGS) -timeout 30m -count=1 ./...

# A fresh synthetic LA (60 schools, about 30,000 pupils, five years, seed 1)
# through the whole pipeline: ingest, transform, check, publish.
demo: build
	rm -rf $(DEMO)
	$(BIN) init --la 851 $(DEMO)
	$(BIN) synth --landing $(DEMO)/landing --seed 1
	$(BIN) run --config $(DEMO)/edwh.yaml

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin $(DEMO)

# National scale: 8.5 million pupils (data generated once, cached in bench/),
# timed against DuckDB's own read_csv. The table goes to bench/latest.md;
# BENCHMARKS.md keeps it with notes on what changed, by hand.
bench: build
	$(BIN) bench --dir bench --out bench/latest.md

# How often the placebo programme's 95% intervals cover its zero effect,
# over ten seeds of the demo LA (about seven minutes on two cores).
coverage:
	EDWH_COVERAGE_SEEDS=10 $(GO) test -tags $(TAGS) -timeout 60m -count=1 -run TestInterventionIntervalCoverage -v ./pipeline/
