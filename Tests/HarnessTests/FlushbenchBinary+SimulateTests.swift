import Foundation
import Testing

@Suite("flushbench simulate: exit codes and output", .serialized)
struct FlushbenchBinarySimulateTests {
    @Test("a clean sweep exits 0 with a progress line per seed and a summary")
    func cleanSweepExitsZero() async throws {
        let outcome = try await Binary.run(["simulate", "--seeds", "1..2", "--ops", "40", "--faults", "none", "--skip", "upload,remove"])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.output.contains("seed 1: 40 steps, clean"))
        #expect(outcome.output.contains("histories: 2, steps: 80"))
        #expect(outcome.output.contains("violations: none"))
    }

    @Test("a fault file drives the faults; a bad one exits 2 naming the file and the JSON path")
    func faultFile() async throws {
        let directory = NSTemporaryDirectory() + "flushbench-faultfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/faults.json", bad = directory + "/bad.json"
        try Data(#"[{"op": "read", "kind": "corrupt", "probability": 0.5}]"#.utf8).write(to: URL(fileURLWithPath: good))
        try Data(#"[{"op": "read", "kind": "corrupt", "probabilty": 0.5}]"#.utf8).write(to: URL(fileURLWithPath: bad))
        let clean = try await Binary.run(["simulate", "--seeds", "1..2", "--ops", "60", "--faults", good, "--out", directory])
        #expect(clean.status == 0, "\(clean.output)\(clean.errors)")
        #expect(clean.output.contains("corrupt"), "\(clean.output)")
        let rejected = try await Binary.run(["simulate", "--seed", "1", "--faults", bad])
        #expect(rejected.status == 2)
        #expect(rejected.output.contains("bad.json") && rejected.output.contains("faults[0].probabilty"), "\(rejected.output)")
    }

    @Test("bad options and an unreadable history exit 2")
    func badInputExitsTwo() async throws {
        for arguments in [["--seeds", "5..2"], ["--store", "s3"], ["--faults", "some"], ["--skip", "jump"],
                          ["--seed", "1", "--seeds", "1..2"], ["--replay", "/nonexistent/history.json"]] {
            let outcome = try await Binary.run(["simulate"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.output)\(outcome.errors)")
        }
    }
}
