import Foundation
import Harness
import Testing

/// Result sets built from one real run of a small scenario, with figures planted per repeat.
enum GateFixture {
    /// One real result (a small memory scenario with faults, so counters are non-trivial).
    static func result() async throws -> RunResult {
        try await ScenarioRunner.run(try scenarios(smallScenario(name: "gate-fixture", extra: """
            "faults": [ { "op": "write", "kind": "error", "error": "InternalError", "probability": 0.3 } ]
            """))[0])
    }

    /// Repeats of `base` whose flush p50 and throughput take the given values.
    static func runs(_ base: RunResult, side: String, p50: [Double], throughput: [Double]? = nil) -> [LoadedRun] {
        p50.enumerated().map { index, value in
            var result = base
            result.latency["flush"]?.p50Ms = value
            if let throughput { result.throughput.flushesPerSecond = throughput[index] }
            return LoadedRun(file: "\(side)/gate-fixture-run\(index + 1).json", result: result)
        }
    }

    static func compare(_ baseline: [LoadedRun], _ current: [LoadedRun], thresholds: GateThresholds = GateThresholds(),
                        enforced: Bool = true) throws -> GateReport {
        try ResultComparison.compare(baseline: ResultSet(label: "base", runs: baseline), current: ResultSet(label: "current", runs: current),
                                     thresholds: thresholds, timingsEnforced: enforced)
    }
}

@Suite("Gate comparison: invariants, seeded counters, timings with a Holm-corrected rank test")
struct GateComparisonTests {
    @Test("identical runs pass with every metric unchanged and every counter matching")
    func identicalRunsPass() async throws {
        let base = try await GateFixture.result()
        let runs = GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5])
        let report = try GateFixture.compare(runs, runs)
        #expect(report.verdict == .pass)
        #expect(report.verdict.rawValue == 0)
        #expect(report.reasons.isEmpty)
        let scenario = try #require(report.scenarios.first)
        #expect(scenario.metrics.allSatisfy { $0.status == .unchanged })
        #expect(scenario.counters.allSatisfy { $0.passed })
        #expect(scenario.counters.contains { $0.name == "faults.byRule.0" })
        #expect(scenario.invariants.count == base.checks.count + base.expectations.count)
    }

    @Test("a planted slowdown beyond threshold and spread exits 1 and names the metric")
    func slowdownIsRegression() async throws {
        let base = try await GateFixture.result()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5]),
                                             GateFixture.runs(base, side: "b", p50: [20, 21, 22, 20.5, 21.5]))
        #expect(report.verdict == .regression)
        #expect(report.verdict.rawValue == 1)
        let p50 = try #require(report.scenarios.first?.metrics.first { $0.name == "latency.flush.p50Ms" })
        #expect(p50.status == .regressed)
        #expect(p50.baseline?.median == 11 && p50.current?.median == 21)
        #expect(report.reasons.count == 1)
        #expect(report.reasons[0].contains("latency.flush.p50Ms regressed +90.9%"))
        #expect(report.reasons[0].contains("Mann-Whitney p = 0.00794"), "\(report.reasons[0])")
        #expect(report.reasons[0].contains("median ratio 95% CI"))
        #expect(report.markdown().contains("**REGRESSED**"))
        #expect(report.markdown().contains("Holm-corrected"))
    }

    @Test("a noisy but unchanged pair passes: the median moved past the threshold, the rank test is not significant")
    func noisyPairPasses() async throws {
        let base = try await GateFixture.result()
        // Median 100 -> 135 flushes/s (+35%, past 25%), but two current runs sit among the baseline's (p ≈ 0.42).
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 10, 10, 10, 10], throughput: [95, 100, 105, 98, 102]),
                                             GateFixture.runs(base, side: "b", p50: [10, 10, 10, 10, 10], throughput: [135, 90, 140, 96, 138]))
        #expect(report.verdict == .pass)
        let throughput = try #require(report.scenarios.first?.metrics.first { $0.name == "throughput.flushesPerSecond" })
        #expect(throughput.status == .noise)
        #expect((throughput.adjustedP ?? 0) > 0.05)
        // Separated runs, but only three a side: the smallest p (0.1) can never be significant.
        let few = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12]), GateFixture.runs(base, side: "b", p50: [20, 21, 22]))
        #expect(few.scenarios[0].metrics.first { $0.name == "latency.flush.p50Ms" }?.status == .noise)
        #expect(few.markdown().contains("no timing can be called a change"))
        // Jitter inside the threshold is simply unchanged.
        let jitter = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 14, 8]), GateFixture.runs(base, side: "b", p50: [12, 9, 11]))
        #expect(jitter.verdict == .pass)
        #expect(jitter.scenarios[0].metrics.first { $0.name == "latency.flush.p50Ms" }?.status == .unchanged)
    }

    @Test("Holm's correction: a p below alpha alone is not enough when several metrics were tested")
    func holmCorrectsOverMetrics() async throws {
        let base = try await GateFixture.result()
        let baseline = ResultSet(label: "base", runs: GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5]))
        let current = ResultSet(label: "current", runs: GateFixture.runs(base, side: "b", p50: [20, 21, 22, 20.5, 21.5]))
        let report = try ResultComparison.compare(baseline: baseline, current: current, thresholds: GateThresholds(),
                                                  timingsEnforced: true, alpha: 0.03)
        let p50 = try #require(report.scenarios[0].metrics.first { $0.name == "latency.flush.p50Ms" })
        let tested = report.scenarios[0].metrics.filter { $0.test != nil }.count
        #expect(tested >= 4)
        // Raw p = 2/252 = 0.0079 < 0.03, but Holm multiplies the smallest by the number of tests.
        #expect(abs((p50.test?.p ?? 0) - 2.0 / 252) < 1e-12)
        #expect(abs((p50.adjustedP ?? 0) - Double(tested) * 2.0 / 252) < 1e-12)
        #expect(p50.status == .noise)
        #expect(report.verdict == .pass)
        #expect(report.markdown().contains("α = 0.03"))
    }

    @Test("an improvement beyond threshold and spread exits 4 so the baseline can be refreshed")
    func improvementExitsFour() async throws {
        let base = try await GateFixture.result()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [20, 21, 22, 20.5, 21.5]),
                                             GateFixture.runs(base, side: "b", p50: [10, 11, 12, 10.5, 11.5]))
        #expect(report.verdict == .improvement)
        #expect(report.verdict.rawValue == 4)
        #expect(report.reasons.first?.contains("latency.flush.p50Ms improved") == true)
    }

    @Test("against a baseline from another machine, timings are reported but do not fail")
    func timingsReportedOnly() async throws {
        let base = try await GateFixture.result()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5]),
                                             GateFixture.runs(base, side: "b", p50: [40, 41, 42, 40.5, 41.5]), enforced: false)
        #expect(report.verdict == .pass)
        #expect(report.scenarios[0].metrics.first { $0.name == "latency.flush.p50Ms" }?.status == .regressed)
        #expect(report.markdown().contains("slower (reported only)"))
    }

    @Test("a planted invariant break exits 3 and names the check and the run's file, over a slowdown")
    func invariantBreakExitsThree() async throws {
        let base = try await GateFixture.result()
        var current = GateFixture.runs(base, side: "b", p50: [30, 31, 32])
        let check = try #require(current[1].result.checks.first?.name)
        current[1].result.checks[0].passed = false
        current[1].result.checks[0].detail = "1 file left in cache/tmp"
        let dropped = try #require(current[2].result.checks.last?.name)
        current[2].result.checks.removeLast()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5]), current)
        #expect(report.verdict == .invariantViolated)
        #expect(report.verdict.rawValue == 3)
        #expect(report.invariantFailures.contains("gate-fixture: check \(check): b/gate-fixture-run2.json: 1 file left in cache/tmp"))
        #expect(report.invariantFailures.contains("gate-fixture: check \(dropped): b/gate-fixture-run3.json: the check did not run"))
    }

    @Test("a seeded counter that changes fails exactly, or passes within a stated tolerance")
    func countersExactOrTolerated() async throws {
        let base = try await GateFixture.result()
        let baseline = GateFixture.runs(base, side: "a", p50: [10, 10, 10])
        var current = GateFixture.runs(base, side: "b", p50: [10, 10, 10])
        current[0].result.bytes.uploaded += 100
        let strict = try GateFixture.compare(baseline, current)
        #expect(strict.verdict == .regression)
        #expect(strict.counterChanges.count == 1)
        #expect(strict.counterChanges[0].contains("counter bytes.uploaded changed"))
        #expect(strict.counterChanges[0].contains("compared exactly"))
        let tolerant = try GateFixture.compare(baseline, current, thresholds: GateThresholds(counters: ["bytes.*": 0.01]))
        #expect(tolerant.verdict == .pass)
        // A changed fault trace changes its fingerprint even when the counts agree.
        var traced = GateFixture.runs(base, side: "b", p50: [10, 10, 10])
        if !traced[0].result.faults.trace.isEmpty {
            traced[0].result.faults.trace.removeLast()
            let changes = try GateFixture.compare(baseline, traced).counterChanges
            #expect(changes.count == 1)
            #expect(changes.first?.contains("faults.trace fingerprint") == true)
        }
    }

    @Test("mismatched sets are invalid input naming the file: another scenario, another seed, a failing baseline")
    func mismatchedSetsAreInvalid() async throws {
        let base = try await GateFixture.result()
        let baseline = GateFixture.runs(base, side: "a", p50: [10])
        var renamed = GateFixture.runs(base, side: "b", p50: [10])
        renamed[0].result.scenario = "other"
        let error = #expect(throws: GateInputError.self) { try GateFixture.compare(baseline, renamed) }
        #expect(error?.code == "mismatch")
        #expect(error?.problems.contains { $0.contains("no run of scenario gate-fixture") } == true)
        #expect(error?.problems.contains { $0.contains("b/gate-fixture-run1.json: scenario other has no baseline") } == true)

        var reseeded = GateFixture.runs(base, side: "b", p50: [10])
        reseeded[0].result.seed += 1
        let seedError = #expect(throws: GateInputError.self) { try GateFixture.compare(baseline, reseeded) }
        #expect(seedError?.description.contains("b/gate-fixture-run1.json: scenario gate-fixture ran with seed") == true)

        var failing = baseline
        failing[0].result.checks[0].passed = false
        let baselineError = #expect(throws: GateInputError.self) { try GateFixture.compare(failing, baseline) }
        #expect(baselineError?.description.contains("a/gate-fixture-run1.json: this baseline run failed") == true)
    }

    @Test("malformed, missing and empty inputs are invalid and name the file")
    func malformedFilesAreInvalid() throws {
        let directory = try LocalTemporary.directory()
        try "{ \"scenario\": 1 }".write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        let error = #expect(throws: GateInputError.self) { try ResultSet.load([directory]) }
        #expect(error?.problems.first?.hasPrefix(directory + "/bad.json: not a flushbench result document") == true)
        let missing = #expect(throws: GateInputError.self) { try ResultSet.load([directory + "/nothing"]) }
        #expect(missing?.description.contains("\(directory)/nothing: no such file or directory") == true)
        let empty = try LocalTemporary.directory()
        let none = #expect(throws: GateInputError.self) { try ResultSet.load([empty]) }
        #expect(none?.description.contains("no result documents") == true)
    }
}
