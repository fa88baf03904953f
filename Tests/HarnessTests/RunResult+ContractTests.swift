import Foundation
import Harness
import Testing

@Suite("Result documents: DESIGN.md's fields, reproducible from the seed")
struct RunResultContractTests {
    static let faulty = smallScenario(flushes: 8, extra: """
        "faults": [ { "op": "write", "kind": "error", "error": "InternalError", "probability": 0.3 },
                    { "op": "write", "kind": "torn", "probability": 0.1 },
                    { "op": "read", "kind": "error", "error": "SlowDown", "probability": 0.2 } ]
        """)

    @Test("the JSON document has every field of DESIGN.md")
    func everyField() async throws {
        let result = try await ScenarioRunner.run(try scenarios(Self.faulty)[0])
        let json = try JSONSerialization.jsonObject(with: ResultWriter.encoder().encode(result)) as! [String: Any]
        for field in ["scenario", "seed", "startTime", "gitCommit", "machine", "throughput", "latency", "bytes", "ops", "faults",
                      "flushes", "objects", "knownOrphans", "memory", "checks", "expectations", "passed", "segments"] where field != "gitCommit" {
            #expect(json[field] != nil, "missing \(field)")
        }
        let throughput = json["throughput"] as! [String: Any]
        #expect(Set(throughput.keys) == ["flushesPerSecond", "encodedMiBps", "acknowledgedMiBps", "attemptedMiBps", "uploadedMiBps"])
        let timings = json["timings"] as! [String: Any]
        #expect(Set(timings.keys) == ["workload", "checks", "cleanup"])
        let bytes = json["bytes"] as! [String: Any]
        for key in ["encoded", "writtenToCache", "uploaded", "downloaded", "deletedRemotely", "deletedLocally", "wastedOnFailedAttempts"] {
            #expect(bytes[key] != nil, "missing bytes.\(key)")
        }
        let flush = (json["latency"] as! [String: Any])["flush"] as! [String: Any]
        #expect(Set(flush.keys) == ["count", "p50Ms", "p90Ms", "p99Ms", "maxMs", "histogram"])
        let faults = json["faults"] as! [String: Any]
        #expect(faults["trace"] is [Any] && faults["byKind"] != nil)
        let memory = json["memory"] as! [String: Any]
        #expect(memory["peakResidentBytes"] != nil && memory["peakAllocatedBytes"] != nil)
        let machine = json["machine"] as! [String: Any]
        #expect((machine["cores"] as? Int ?? 0) > 0)
        let object = (json["objects"] as! [[String: Any]]).first!
        #expect(Set(object.keys) == ["key", "bytes", "checksum", "rows"])
        #expect(result.faults.injected > 0)
        // The document reads back.
        let path = try await ResultWriter.write(result, name: "contract", to: try LocalTemporary.directory())
        #expect(try ResultWriter.read(path).scenario == result.scenario)
    }

    @Test("the same seed gives the same fault trace and byte counters twice; another seed does not")
    func sameSeedSameRun() async throws {
        let scenario = try scenarios(Self.faulty)[0]
        let first = try await ScenarioRunner.run(scenario)
        let second = try await ScenarioRunner.run(scenario)
        #expect(first.faults.injected > 0)
        #expect(first.faults.trace == second.faults.trace)
        #expect(first.bytes.uploaded == second.bytes.uploaded)
        #expect(first.bytes.wastedOnFailedAttempts == second.bytes.wastedOnFailedAttempts)
        #expect(first.bytes.encoded == second.bytes.encoded)
        // Keys differ by their run id only: below it they are seeded, as the gate's fingerprints need.
        #expect(first.objects.map { first.seededKey($0.key) } == second.objects.map { second.seededKey($0.key) })
        #expect(GateMetrics.fingerprints(first) == GateMetrics.fingerprints(second))
        let other = try await ScenarioRunner.run(scenario, options: RunOptions(seedOverride: 4242))
        #expect(other.faults.trace != first.faults.trace)
    }
}

/// Temporary directories of the harness tests, all below one directory of this test process
/// that is removed when the process exits: a test need not clean up after itself, and a run of
/// the suite leaves nothing in `$TMPDIR`.
enum LocalTemporary {
    /// `$TMPDIR/flushbench-harness-tests-<pid>`, removed at exit.
    private static let root: String = {
        let path = NSTemporaryDirectory() + "flushbench-harness-tests-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: LocalTemporary.root) }
        return path
    }()

    static func directory() throws -> String {
        let path = root + "/\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
