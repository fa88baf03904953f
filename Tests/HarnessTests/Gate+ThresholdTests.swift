import Foundation
import Harness
import Testing

@Suite("Gate thresholds and the committed baseline")
struct GateThresholdTests {
    func write(_ text: String) throws -> String {
        let path = try LocalTemporary.directory() + "/thresholds.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a thresholds file sets metrics and counter tolerances, per scenario over the top level")
    func parsesAndOverrides() throws {
        let thresholds = try GateThresholds.load(path: try write("""
            { "metrics": { "latency.flush.p99Ms": { "relative": 0.4, "absolute": 3 } },
              "counters": { "ops.*": 0.1, "ops.read.count": 0 },
              "scenarios": { "s": { "metrics": { "latency.flush.p99Ms": { "relative": 0.9 } }, "counters": { "bytes.downloaded": 0.05 } } } }
            """))
        #expect(thresholds.threshold("latency.flush.p99Ms", scenario: "x") == MetricThreshold(relative: 0.4, absolute: 3))
        #expect(thresholds.threshold("latency.flush.p99Ms", scenario: "s") == MetricThreshold(relative: 0.9))
        #expect(thresholds.threshold("latency.flush.p50Ms", scenario: "x") == GateThresholds.defaultMetrics["latency.flush.p50Ms"])
        #expect(thresholds.tolerance("ops.upload.retried", scenario: "x") == 0.1)
        #expect(thresholds.tolerance("ops.read.count", scenario: "x") == 0)
        #expect(thresholds.tolerance("bytes.downloaded", scenario: "s") == 0.05)
        #expect(thresholds.tolerance("bytes.downloaded", scenario: "x") == 0)
        // The allowance is the larger of the relative and the absolute part.
        #expect(MetricThreshold(relative: 0.25, absolute: 2).allowance(around: 4) == 2)
        #expect(MetricThreshold(relative: 0.25, absolute: 2).allowance(around: 100) == 25)
    }

    @Test("a typo in a thresholds file is an error naming the file and the JSON path, not a looser gate")
    func typosAreErrors() throws {
        let path = try write("""
            { "metric": {}, "metrics": { "throughput.flushesPerSecond": { "relativ": 0.2 } },
              "counters": { "bytes.uploaded": "5%" }, "scenarios": { "s": { "metrics": { "p99": { "relative": 1 } } } } }
            """)
        let error = #expect(throws: GateInputError.self) { try GateThresholds.load(path: path) }
        let problems = error?.problems ?? []
        #expect(error?.code == "thresholds")
        #expect(problems.contains("\(path): metric: unknown key (expected metrics, counters, scenarios or comment)"))
        #expect(problems.contains("\(path): metrics.throughput.flushesPerSecond.relativ: unknown key (expected relative or absolute)"))
        #expect(problems.contains("\(path): counters.bytes.uploaded: expected a relative tolerance >= 0 (0 is exact)"))
        #expect(problems.contains { $0.hasPrefix("\(path): scenarios.s.metrics.p99: unknown metric") })
    }

    @Test("the committed baseline covers the gate suite: every scenario, the same seeds, every run passing")
    func committedBaselineMatchesSuite() async throws {
        let suite = try await GateSuite.files(in: repositoryRoot + "/Scenarios/gate")
        let scenarios = try suite.flatMap { try ScenarioLoader.load(path: $0, validateFault: ScenarioFaults.validator) }
        #expect(scenarios.count >= 4)
        let baseline = try ResultSet.load([repositoryRoot + "/Results/baseline"])
        #expect(Set(baseline.scenarios) == Set(scenarios.map(\.name)), "run `make baseline` after changing Scenarios/gate")
        for scenario in scenarios {
            let runs = baseline.runs[scenario.name] ?? []
            #expect(runs.count >= 3, "\(scenario.name): medians need at least 3 baseline runs")
            #expect(runs.allSatisfy { $0.result.seed == scenario.seed && $0.result.passed }, "\(scenario.name)")
            #expect(scenario.workload.totalFlushes <= 16, "\(scenario.name): the gate suite stays quick")
        }
        _ = try GateThresholds.load(path: repositoryRoot + "/Results/baseline/thresholds.json")
    }
}
