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

    @Test("bad options and an unreadable history exit 2")
    func badInputExitsTwo() async throws {
        for arguments in [["--seeds", "5..2"], ["--store", "s3"], ["--faults", "some"], ["--skip", "jump"],
                          ["--seed", "1", "--seeds", "1..2"], ["--replay", "/nonexistent/history.json"]] {
            let outcome = try await Binary.run(["simulate"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.output)\(outcome.errors)")
        }
    }
}
