import Foundation
import Harness
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("The flushbench binary: interrupted and killed runs, locked work directories", .serialized)
struct FlushbenchBinaryInterruptionTests {
    /// A memory-store scenario slow enough (200 ms per write) to be interrupted mid-run.
    func slowScenario() throws -> String {
        let path = try LocalTemporary.directory() + "/slow.json"
        let text = smallScenario(name: "slow", flushes: 200, extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "200ms" } ]
            """)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The temporary work areas in `directory`.
    func workAreas(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(WorkArea.temporaryPrefix) }
    }

    /// Starts a slow run with `TMPDIR` set to a fresh directory and waits until its work area is in use.
    func startSlowRun() throws -> (ChildProcess.Running, temporary: String) {
        let temporary = try LocalTemporary.directory()
        let running = try Binary.command(["run", try slowScenario(), "--out", try LocalTemporary.directory()],
                                         environment: ["TMPDIR": temporary]).start()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let area = workAreas(in: temporary).first,
               FileManager.default.fileExists(atPath: "\(temporary)/\(area)/\(WorkArea.journalName)") { break }
            usleep(50_000)
        }
        usleep(500_000)
        return (running, temporary)
    }

    @Test("SIGINT or SIGTERM mid-run stops the flushes, removes the work area and exits 130 or 143", arguments: [SIGINT, SIGTERM])
    func signalCleansUpAndExits(signal: Int32) throws {
        let (running, temporary) = try startSlowRun()
        #expect(workAreas(in: temporary).count == 1, "the run's work area exists before the signal")
        running.send(signal)
        let outcome = running.wait()
        #expect(outcome.status == 128 + signal, "\(outcome.standardError)")
        #expect(workAreas(in: temporary).isEmpty, "left behind: \(workAreas(in: temporary))")
        #expect(outcome.standardError.contains("interrupted"))
    }

    @Test("after SIGKILL the next run names the stale work area and removes it")
    func killedRunsWorkAreaIsNamedAndRemoved() async throws {
        let (running, temporary) = try startSlowRun()
        let stale = try #require(workAreas(in: temporary).first)
        running.send(SIGKILL)
        _ = running.wait()
        #expect(workAreas(in: temporary) == [stale], "SIGKILL leaves the work area")
        let file = try LocalTemporary.directory() + "/quick.json"
        try smallScenario(name: "quick").write(toFile: file, atomically: true, encoding: .utf8)
        let next = try await Binary.run(["run", file, "--out", try LocalTemporary.directory()], environment: ["TMPDIR": temporary])
        #expect(next.status == 0, "\(next.errors)")
        #expect(next.output.contains("removed the stale work area '\(temporary)/\(stale)'"), "\(next.output)")
        #expect(workAreas(in: temporary).isEmpty)
    }

    @Test("a run on a work directory another process holds exits 5 with 'locked by another process' and touches nothing")
    func lockedWorkDirectoryExitsFive() async throws {
        let work = try LocalTemporary.directory() + "/work"
        let holder = try await WorkArea.open(directory: work, marker: WorkAreaMarker(runID: RunID.make(), scenario: "holder"))
        try FileManager.default.createDirectory(atPath: work + "/cache", withIntermediateDirectories: true)
        let file = try LocalTemporary.directory() + "/fs.json"
        try smallScenario(name: "locked", store: "fs").write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory(), "--work-dir", work])
        await holder.close()
        #expect(outcome.status == 5, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.errors.contains("locked by another process"))
        #expect(!FileManager.default.fileExists(atPath: work + "/remote"), "nothing attempted")
    }

    @Test("a work directory flushbench did not make is refused with exit 2 and left as it was")
    func foreignWorkDirectoryExitsTwo() async throws {
        let work = try LocalTemporary.directory()
        try Data("mine".utf8).write(to: URL(fileURLWithPath: work + "/notes.txt"))
        let file = try LocalTemporary.directory() + "/fs.json"
        try smallScenario(name: "foreign", store: "fs").write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory(), "--work-dir", work])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains("'\(work)' is not empty and was not made by flushbench"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["notes.txt"])
    }
}
