import Foundation
import Testing

@Suite("flushbench run --replay: the recorded faults again", .serialized)
struct FlushbenchBinaryRunReplayTests {
    @Test("a replay of a recorded run injects the same faults (exit 0); a tampered trace differs (exit 1); a missing result exits 2")
    func replayComparesTheFaultTrace() async throws {
        let directory = NSTemporaryDirectory() + "flushbench-replay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try await Binary.run(["run", "Scenarios/memory-every-fault.json", "--out", directory])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        let runDirectory = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first)
        let result = directory + "/" + runDirectory + "/memory-every-fault.json"

        let same = try await Binary.run(["run", "--replay", result])
        #expect(same.status == 0, "\(same.output)\(same.errors)")
        #expect(same.output.contains("fault trace matches"), "\(same.output)")

        // One record changed: the replay must notice and name it.
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: result))) as? [String: Any])
        var faults = try #require(document["faults"] as? [String: Any])
        var trace = try #require(faults["trace"] as? [[String: Any]])
        try #require(!trace.isEmpty)
        trace[0]["attempt"] = (trace[0]["attempt"] as? Int ?? 1) + 5
        faults["trace"] = trace
        document["faults"] = faults
        let tampered = directory + "/tampered.json"
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: tampered))
        let differs = try await Binary.run(["run", "--replay", tampered])
        #expect(differs.status == 1, "\(differs.output)\(differs.errors)")
        #expect(differs.output.contains("fault trace differs") && differs.output.contains("recorded only"), "\(differs.output)")

        let missing = try await Binary.run(["run", "--replay", directory + "/none.json"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("none.json"), "\(missing.errors)")
    }
}
