# flushbench: the two commands a newcomer needs are `make test` and `make bench`.
SWIFT ?= swift
RELEASE_BIN := .build/release/flushbench

.PHONY: all setup setup-bench build release test simulate crash bench bench-cache bench-upload bench-download bench-sst bench-flush bench-memory gate gate-paired baseline clean bench-recovery bench-proxy gate-calibrate simulate-sweep

all: build

## setup: install missing Debian and Python packages (no-op when present)
setup:
	@scripts/setup.sh

setup-bench:
	@scripts/setup.sh --bench

## build: debug build
build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# Suites that assert wall-clock bounds (a run ends within its time limits, a stalled or killed
# server's requests end in time) run on their own after the rest: in one process with the
# CPU-heavy suites their timers would measure the machine's load, not the code.
TIMED_SUITES := ScenarioRunnerTimeLimitTests|S3StoreServerStallTests|S3StoreServerCrashTests|FaultyStoreTimeTests|FlushbenchBinaryExternalStoreTests|FaultProxyFaultTests|FaultPhaseTimingTests|LiveMetricsScrapeTests|GateBinaryTests

## test: every unit and integration test (against SeaweedFS and moto, plus an s3 scenario on moto)
test: setup
	@scripts/check-tree.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(TIMED_SUITES)'
	$(SWIFT) test --skip-build --filter '$(TIMED_SUITES)'
	$(MAKE) --no-print-directory simulate-sweep

## simulate-sweep: the bounded sweep of make test (200 seeds x 500 steps, release build, under a minute)
SIM_SWEEP_ARGS ?= --seeds 1..200 --ops 500
simulate-sweep:
	$(SWIFT) build -c release --product flushbench
	@mkdir -p Results/runs
	$(RELEASE_BIN) simulate $(SIM_SWEEP_ARGS) --out Results/runs

## simulate: a long sweep of simulated histories (release build); failing histories under Results/runs/
SIM_ARGS ?= --seeds 1..2000 --ops 500
simulate: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) simulate $(SIM_ARGS) --out Results/runs

## crash: 100 seeded kills and 100 seeded power cuts of each shipped crash scenario (fs, s3), recovery and gc checked after each
CRASH_TRIALS ?= 100
crash: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) crash Scenarios/crash/crash-fs.json --trials $(CRASH_TRIALS) --out Results/runs
	$(RELEASE_BIN) crash Scenarios/crash/crash-fs.json --trials $(CRASH_TRIALS) --mode power --out Results/runs
	$(RELEASE_BIN) crash Scenarios/crash/crash-s3.json --trials $(CRASH_TRIALS) --out Results/runs
	$(RELEASE_BIN) crash Scenarios/crash/crash-s3.json --trials $(CRASH_TRIALS) --mode power --out Results/runs

SCENARIOS := $(filter-out Scenarios/scenario.schema.json,$(wildcard Scenarios/*.json))

## bench: release build, the shipped scenario suite, a summary table; results under Results/runs/
bench: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) run $(SCENARIOS) --out Results/runs

bench-cache: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench cache --out Results/runs

## bench-upload: S3Store and the write cache beside rclone, aws-cli, curl and curl-sha256 uploading 32 x 16 MiB to SeaweedFS
bench-upload: setup-bench release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench upload --out Results/runs $(BENCH_ARGS)

## bench-download: the same, downloading 32 x 16 MiB from SeaweedFS
bench-download: setup-bench release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench download --out Results/runs $(BENCH_ARGS)

## bench-flush: one 256 MiB SST through the write cache to SeaweedFS, end to end against the sum of its parts
bench-flush: setup-bench release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench flush --out Results/runs $(BENCH_ARGS)

## bench-memory: a 2 GiB SST through the write cache to SeaweedFS; fails when peak RSS exceeds the memory bound
bench-memory: setup-bench release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench flush --sst-mib 2048 --out Results/runs $(BENCH_ARGS)

## bench-proxy: uploads to SeaweedFS direct and through the network fault proxy (empty plan), interleaved
bench-proxy: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench proxy --out Results/runs $(BENCH_ARGS)

## bench-sst: our Parquet writer beside pyarrow on the same 1,000,000-row table
bench-sst: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench sst --out Results/runs

## bench-cluster: release build; a volume server killed mid-run on a 3-node SeaweedFS cluster, then four datanodes on one cluster
.PHONY: bench-cluster
bench-cluster: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) run Scenarios/cluster/volume-server-killed.json --out Results/runs
	$(RELEASE_BIN) run Scenarios/cluster/four-datanodes.json --nodes 4 --out Results/runs

## bench-recovery: opening a cache directory of RECOVERY_FILES small files beside a Python os.scandir walk
RECOVERY_FILES ?= 100000
bench-recovery: release
	@mkdir -p Results/runs
	$(RELEASE_BIN) bench recovery --files $(RECOVERY_FILES) --out Results/runs

GATE_REPEAT ?= 5
GATE_PAIRED_REPEAT ?= 10
GATE_AGAINST ?= main
GATE_OUT := Results/runs
GATE_REPORTS := --markdown $(GATE_OUT)/gate-summary.md --junit $(GATE_OUT)/gate-junit.xml --benchmark-dir $(GATE_OUT)/gate-benchmark

## gate: the quick suite (Scenarios/gate) against the committed baseline in Results/baseline:
## invariants and seeded counters fail it, timings are reported (exit codes: flushbench gate --help)
gate: release
	@mkdir -p $(GATE_OUT)
	$(RELEASE_BIN) gate --repeat $(GATE_REPEAT) --out $(GATE_OUT) $(GATE_REPORTS)

## gate-paired: builds GATE_AGAINST (default main) beside this tree and runs both interleaved; timings can fail
gate-paired: release
	@mkdir -p $(GATE_OUT)
	$(RELEASE_BIN) gate --against $(GATE_AGAINST) --repeat $(GATE_PAIRED_REPEAT) --out $(GATE_OUT) $(GATE_REPORTS)

## gate-calibrate: A/A, this build against itself: each timed metric's noise and the threshold it calls for
## (GATE_CALIBRATE_ARGS=--write stores them in Results/baseline/thresholds.json)
gate-calibrate: release
	@mkdir -p $(GATE_OUT)
	$(RELEASE_BIN) gate --calibrate --repeat $(GATE_PAIRED_REPEAT) --out $(GATE_OUT) $(GATE_CALIBRATE_ARGS)

## baseline: re-records Results/baseline from this tree (commit the result)
baseline: release
	$(RELEASE_BIN) gate --update-baseline --repeat $(GATE_REPEAT) --out $(GATE_OUT)

clean:
	rm -rf .build Results/runs
