import Foundation
import Testing

@Suite("flushbench compare: exit codes and reports of the built binary on real runs", .serialized)
struct GateBinaryTests {
    /// A small scenario with a fixed latency on every store write: the planted slowdown changes
    /// only the latency's value, so every seeded counter stays the same.
    func scenario(name: String = "gate-e2e", writeLatency: String) throws -> String {
        let text = smallScenario(name: name, extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "\(writeLatency)" } ]
            """)
        let path = try LocalTemporary.directory() + "/\(name).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `file` `repeats` times with the binary and returns the results' directory.
    func runs(_ file: String, repeats: Int = 3) async throws -> String {
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", file, "--repeat", "\(repeats)", "--out", out])
        #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors)")
        return out
    }

    @Test("a planted slowdown exits 1 naming the metric; identical runs exit 0; the reverse exits 4")
    func plantedSlowdown() async throws {
        // Five runs a side: the smallest rank-test p (0.0079) then clears Holm over the five timed metrics.
        let fast = try await runs(try scenario(writeLatency: "1ms"), repeats: 5)
        // 250 ms a write puts every slow run far beyond a fast one even on a loaded machine (40 ms
        // overlapped there: one loaded fast run reached 130 ms at p50).
        let slow = try await runs(try scenario(writeLatency: "250ms"), repeats: 5)
        let regression = try await Binary.run(["compare", fast, slow])
        #expect(regression.status == 1, "\(regression.output) \(regression.errors)")
        #expect(regression.errors.contains("gate-e2e: latency.flush.p50Ms regressed"))
        #expect(regression.output.contains("# flushbench gate: REGRESSION"))
        #expect(!regression.errors.contains("counter"), "a latency fault's value changes no seeded counter")

        let same = try await Binary.run(["compare", fast, fast])
        #expect(same.status == 0, "\(same.output) \(same.errors)")
        #expect(same.output.contains("# flushbench gate: PASS"))

        let improvement = try await Binary.run(["compare", slow, fast])
        #expect(improvement.status == 4, "\(improvement.output) \(improvement.errors)")
        #expect(improvement.errors.contains("latency.flush.p50Ms improved"))

        // Against a baseline from another machine timings are reported only.
        let reported = try await Binary.run(["compare", fast, slow, "--timings-report-only"])
        #expect(reported.status == 0)
        #expect(reported.output.contains("slower (reported only)"))
    }

    @Test("a planted invariant break exits 3 and names the check and the file; the reports say so too")
    func plantedInvariantBreak() async throws {
        let baseline = try await runs(try scenario(writeLatency: "1ms"), repeats: 2)
        let current = try LocalTemporary.directory()
        var planted = ""
        for (index, file) in try resultFiles(baseline).enumerated() {
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
            if index == 1 {
                var checks = json["checks"] as! [[String: Any]]
                planted = checks[0]["name"] as! String
                checks[0]["passed"] = false
                checks[0]["detail"] = "planted: 1 file left behind"
                json["checks"] = checks
                json["passed"] = false
            }
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: "\(current)/run\(index + 1).json"))
        }
        let reports = try LocalTemporary.directory()
        let outcome = try await Binary.run(["compare", baseline, current, "--junit", reports + "/junit.xml",
                                      "--benchmark-dir", reports + "/bench", "--markdown", reports + "/summary.md"])
        #expect(outcome.status == 3, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.errors.contains("gate-e2e: check \(planted): \(current)/run2.json: planted: 1 file left behind"))
        let junit = try String(contentsOfFile: reports + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testcase name=\"check: \(planted)\""))
        #expect(junit.contains("<failure message=\"\(planted) failed in 1 of 2 run(s)\">"))
        #expect(junit.contains("failures=\"1\""))
        let markdown = try String(contentsOfFile: reports + "/summary.md", encoding: .utf8)
        #expect(markdown.hasPrefix("# flushbench gate: INVARIANT VIOLATED"))
        let bigger = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reports + "/bench/bigger-is-better.json"))) as! [[String: Any]]
        let smaller = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reports + "/bench/smaller-is-better.json"))) as! [[String: Any]]
        #expect(bigger.contains { $0["name"] as? String == "gate-e2e / throughput" && $0["unit"] as? String == "flushes/s" && $0["value"] is Double })
        #expect(smaller.contains { $0["name"] as? String == "gate-e2e / flush p99" && ($0["range"] as? String)?.hasPrefix("± ") == true })
    }

    @Test("malformed or mismatched result files exit 2 with a message naming the file")
    func invalidInputExitsTwo() async throws {
        let baseline = try await runs(try scenario(writeLatency: "1ms"), repeats: 1)
        let broken = try LocalTemporary.directory()
        try "{ \"scenario\": \"x\" }".write(toFile: broken + "/broken.json", atomically: true, encoding: .utf8)
        let malformed = try await Binary.run(["compare", baseline, broken])
        #expect(malformed.status == 2)
        #expect(malformed.errors.contains("\(broken)/broken.json: not a flushbench result document"))

        let other = try await runs(try scenario(name: "gate-other", writeLatency: "1ms"), repeats: 1)
        let mismatched = try await Binary.run(["compare", baseline, other])
        #expect(mismatched.status == 2)
        #expect(mismatched.errors.contains("scenario gate-other has no baseline in \(baseline)"))
        #expect(mismatched.errors.contains("\(other): no run of scenario gate-e2e"))

        let thresholds = broken + "/limits.json"
        try "{ \"metrics\": { \"latency.flush.p05Ms\": { \"relative\": 0.1 } } }".write(toFile: thresholds, atomically: true, encoding: .utf8)
        let typo = try await Binary.run(["compare", baseline, baseline, "--thresholds", thresholds])
        #expect(typo.status == 2)
        #expect(typo.errors.contains("\(thresholds): metrics.latency.flush.p05Ms: unknown metric"))
    }

    @Test("gate --update-baseline records a baseline that the next gate run passes against; a broken suite exits 3")
    func gateAgainstRecordedBaseline() async throws {
        let suite = try LocalTemporary.directory()
        try String(contentsOfFile: try scenario(writeLatency: "1ms"), encoding: .utf8)
            .write(toFile: suite + "/gate-e2e.json", atomically: true, encoding: .utf8)
        let baseline = try LocalTemporary.directory()
        let out = try LocalTemporary.directory()
        let record = try await Binary.run(["gate", "--update-baseline", "--suite", suite, "--baseline", baseline, "--repeat", "3", "--out", out])
        #expect(record.status == 0, "\(record.output) \(record.errors)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: baseline)) == ["gate-e2e-run1.json", "gate-e2e-run2.json", "gate-e2e-run3.json"])

        let junit = out + "/junit.xml"
        let gate = try await Binary.run(["gate", "--suite", suite, "--baseline", baseline, "--repeat", "3", "--out", out, "--junit", junit])
        #expect(gate.status == 0, "\(gate.output) \(gate.errors)")
        #expect(gate.output.contains("round 3/3 current: gate-e2e.json"))
        #expect(gate.output.contains("# flushbench gate: PASS"))
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<testsuite name=\"gate-e2e\""))

        // The same suite with an expectation no run can meet: the gate reports the invariant.
        let text = smallScenario(name: "gate-e2e", extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "1ms" } ],
            "expect": { "minFaultsInjected": 100000 }
            """)
        try text.write(toFile: suite + "/gate-e2e.json", atomically: true, encoding: .utf8)
        let broken = try await Binary.run(["gate", "--suite", suite, "--baseline", baseline, "--repeat", "1", "--out", out])
        #expect(broken.status == 3, "\(broken.output) \(broken.errors)")
        #expect(broken.errors.contains("gate-e2e: expectation minFaultsInjected:"))
    }

    @Test("gate --against a revision that does not exist exits 2 naming it")
    func unknownRevisionExitsTwo() async throws {
        let outcome = try await Binary.run(["gate", "--against", "no-such-revision-\(UUID().uuidString.prefix(8))", "--out", try LocalTemporary.directory()])
        #expect(outcome.status == 2, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.errors.contains("revision 'no-such-revision-"))
        #expect(outcome.errors.contains("is not a commit of"))
    }

    @Test("compare and gate document their exit statuses in --help")
    func helpDocumentsExitCodes() async throws {
        for command in ["compare", "gate"] {
            let help = try await Binary.run([command, "--help"])
            #expect(help.status == 0)
            let text = help.output.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
            #expect(text.contains("Exit status: 0 pass; 1 regression"), "\(command)")
            #expect(text.contains("4 a timing improved beyond its threshold"), "\(command)")
        }
    }

    private func resultFiles(_ directory: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted().map { "\(directory)/\($0)" }
    }
}
