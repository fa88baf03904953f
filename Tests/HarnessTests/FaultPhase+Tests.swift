import Foundation
import Harness
import Testing

@Suite("Fault phases: decoding with JSON paths, rules active only in their window, recovery")
struct FaultPhaseTests {
    func phases(_ json: String) -> String {
        smallScenario(extra: "\"phases\": \(json)")
    }

    @Test("a phase decodes with its window; its rules run with that window, after the always-on faults")
    func validPhaseDecodes() throws {
        let scenario = try scenarios(phases("""
            [ { "name": "storm", "from": "5s", "to": "15s", "faults": [ { "op": "write", "kind": "error", "error": "SlowDown" } ] } ]
            """))[0]
        #expect(scenario.phases.map(\.name) == ["storm"])
        #expect(scenario.phases[0].from == .seconds(5))
        #expect(scenario.phases[0].to == .seconds(15))
        guard case .object(let rule) = scenario.phases[0].windowedFaults[0] else { Issue.record("not an object"); return }
        #expect(rule["window"] == .array([.number(JSONNumber(5)), .number(JSONNumber(15))]))
        _ = try ScenarioFaults.plan(scenario.faults, phases: scenario.phases, seed: 1)
        let bad = FaultPhaseSpec(name: "x", from: .seconds(1), to: .seconds(2), faults: [.object(["op": .string("write"), "kind": .string("nope")])])
        let error = #expect(throws: ScenarioError.self) { try ScenarioFaults.plan([], phases: [bad], seed: 1) }
        #expect(error?.issues.first?.path.hasPrefix("phases[0].faults[0]") == true, "\(String(describing: error?.issues))")
        #expect(ScenarioFaults.rulePaths(faults: [.null], phases: scenario.phases) == ["faults[0]", "phases[0].faults[0]"])
    }

    @Test("every mistake in a phase is named by its JSON path and what was expected")
    func phaseMistakes() {
        let found = issues(phases("""
            [ { "name": "storm", "from": "5s", "to": "2s", "faults": [ { "op": "write", "kind": "error", "error": "SlowDown", "window": [1, 2] } ] },
              { "name": "storm", "from": "400s", "to": "500s", "faults": [] },
              { "from": "x", "fault": [] },
              { "name": "bad", "from": "1s", "to": "2s", "faults": [ { "op": "write", "kind": "explode" } ] } ]
            """))
        let byPath = Dictionary(found.map { ($0.path, $0.message) }, uniquingKeysWith: { a, b in a + " | " + b })
        #expect(byPath["phases[0].to"]?.contains("expected a time after from (5.0 seconds)") == true, "\(byPath)")
        #expect(byPath["phases[0].faults[0].window"]?.contains("take their window from the phase") == true)
        #expect(byPath["phases[1].name"]?.contains("no other phase has") == true)
        #expect(byPath["phases[1].from"]?.contains("before the run's timeLimit") == true)
        #expect(byPath["phases[1].faults"]?.contains("at least one fault rule") == true)
        #expect(byPath["phases[2].name"]?.hasPrefix("required") == true)
        #expect(byPath["phases[2].from"]?.contains("expected a duration") == true)
        #expect(byPath["phases[2].to"]?.hasPrefix("required") == true)
        #expect(byPath["phases[2].fault"]?.contains("unknown key") == true)
        #expect(byPath.keys.contains { $0.hasPrefix("phases[3].faults[0]") }, "a bad fault kind names the phase's rule: \(byPath)")
    }

    @Test("phases must be an array of objects")
    func phasesType() {
        #expect(issues(phases("{}")).map(\.path) == ["phases"])
        #expect(issues(phases("[ 3 ]")).map(\.path) == ["phases[0]"])
    }

    @Test("the gate refuses a suite scenario with phases or windowed rules (wall-clock timing would move its seeded counters)")
    func gateRefusesPhases() async throws {
        let suite = try LocalTemporary.directory()
        try smallScenario(name: "ok").write(toFile: suite + "/a-ok.json", atomically: true, encoding: .utf8)
        #expect(try await GateSuite.files(in: suite).count == 1)
        try phaseScenario(name: "phased").write(toFile: suite + "/b-phased.json", atomically: true, encoding: .utf8)
        try smallScenario(name: "windowed", extra: """
            "faults": [ { "op": "write", "kind": "error", "error": "SlowDown", "window": [0, 1] } ]
            """).write(toFile: suite + "/c-windowed.json", atomically: true, encoding: .utf8)
        let error = await #expect(throws: GateInputError.self) { try await GateSuite.files(in: suite) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("b-phased.json: scenario phased has fault phases"), "\(text)")
        #expect(text.contains("c-windowed.json: scenario windowed: faults[0].window is wall-clock time"), "\(text)")
    }

    @Test("recovery: the median whole segment before the phase, then three segments back at 0.9x; null when never")
    func recoveryArithmetic() {
        // 1 MiB per flush; segments of one second.
        let mib: UInt64 = 1 << 20
        func completions(_ perSecond: [Int]) -> [(at: Double, bytes: UInt64)] {
            perSecond.enumerated().flatMap { second, count in (0..<count).map { _ in (at: Double(second) + 0.5, bytes: mib) } }
        }
        let steady = completions([10, 12, 10, 2, 1, 5, 9, 10, 11, 10])
        let segments = PhaseRecovery.segments(steady, end: 10.4)
        #expect(segments == [10, 12, 10, 2, 1, 5, 9, 10, 11, 10])
        #expect(PhaseRecovery.baseline(segments, from: 3) == 10)
        #expect(PhaseRecovery.baseline(segments, from: 2.5) == 11)
        #expect(PhaseRecovery.baseline(segments, from: 0.5) == nil)
        // Phase [3, 5): 5 MiB/s at 5 s is below 9; 9, 10, 11 from 6 s on recover: 1 s after the phase.
        #expect(PhaseRecovery.recoverySeconds(segments, baseline: 10, to: 5) == 1)
        // A phase ending mid-segment counts from the next whole one.
        #expect(PhaseRecovery.recoverySeconds(segments, baseline: 10, to: 5.5) == 0.5)
        #expect(PhaseRecovery.recoverySeconds(segments, baseline: 12, to: 5) == nil, "10.8 is never reached three times in a row")
        #expect(PhaseRecovery.recoverySeconds(segments, baseline: 10, to: 8.5) == nil, "too few segments left")
        // Two good segments and a dip are not yet a recovery: it takes three in a row.
        #expect(PhaseRecovery.recoverySeconds([10, 10, 10, 1, 1, 10, 10, 5, 10, 10, 10], baseline: 10, to: 5) == 3)
        // Exactly 0.9x counts as recovered.
        #expect(PhaseRecovery.recoverySeconds([10, 10, 9, 9, 9], baseline: 10, to: 2) == 0)
        // The last partial second is left out.
        #expect(PhaseRecovery.segments(completions([1, 1]), end: 1.5) == [1])
    }
}

/// Wall-clock checks of phases: in `make test` they run apart from the CPU-heavy suites (the
/// Makefile's TIMED_SUITES), whose load would starve the run around the phase's window.
@Suite("Fault phases in time: rules active only inside their window")
struct FaultPhaseTimingTests {
    @Test("a phase's rules fire only inside its window; the result reports the phase")
    func phaseRulesOnlyInWindow() async throws {
        // Only the phase injects faults, on `stat` (each upload's verification), which records a
        // fault the moment it is decided (a write's faults are recorded when its data is done,
        // which under load can be long after the decision). An open loop of 60 flushes per
        // second makes the run last about 2.7 s.
        let text = """
            { "name": "phase-window", "seed": 5, "store": { "kind": "memory" }, "upload": { "partSize": "64KiB" },
              "workload": { "regions": 4, "flushesPerRegion": 40, "concurrency": 4, "rowsPerFlush": 300, "rowGroupSize": 300,
                            "arrival": { "rate": 60, "spacing": "fixed" } },
              "phases": [ { "name": "storm", "from": "1s", "to": "2s",
                            "faults": [ { "op": "stat", "kind": "latency", "distribution": "fixed", "value": "100ms" } ] } ] }
            """
        let result = try await ScenarioRunner.run(try scenarios(text)[0])
        let timeline = try #require(result.timeline)
        let phase = try #require(result.phases?.first)
        #expect(phase.name == "storm" && phase.fromSeconds == 1 && phase.toSeconds == 2)
        #expect(phase.faultsInjected == result.faults.injected && phase.faultsInjected > 0)
        let before = timeline.filter { $0.atSeconds < 0.95 }
        #expect(!before.isEmpty && before.allSatisfy { $0.faultsInjected == 0 }, "no fault before the phase")
        let after = timeline.filter { $0.atSeconds >= 2.1 }
        #expect(!after.isEmpty, "the run lasts beyond the phase")
        #expect(Set(after.map(\.faultsInjected)).count <= 1, "no fault after the phase: \(after.map(\.faultsInjected))")
        #expect(phase.baselineMiBps != nil)
    }
}
