import Foundation
import Harness
import Testing

@Suite("Crash trials and gc through the flushbench binary", .serialized)
struct CrashTrialsBinaryTests {
    @Test("ten seeded kills of the fs crash scenario each recover a consistent cache, keep every journaled flush and leave only the journal's objects after gc")
    func fsTrialsAreConsistent() async throws {
        // Seed 2 puts death points where a cache file is being written: a commit that is not
        // atomic (a planted write straight under the final name) fails several of these trials.
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--trials", "10", "--seed", "2", "--out", out])
        #expect(outcome.status == 0, "\(outcome.output)\n\(outcome.errors)")
        #expect(outcome.output.contains("10 of 10 trials consistent"), "\(outcome.output)")
        let report = try #require((FileManager.default.contentsOfDirectory(atPath: out)).first { $0.hasPrefix("crash-crash-fs") })
        let decoded = try JSONDecoder().decode(CrashReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/" + report)))
        #expect(decoded.trials.count == 10)
        #expect(decoded.trials.contains { $0.outcome == "died" })
    }

    @Test("ten seeded power cuts of the fs crash scenario each recover a consistent cache from what was durable")
    func fsPowerTrialsAreConsistent() async throws {
        // A commit without its fsync fails most of these (planted: 19 of 20 at seed 1).
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--trials", "10", "--seed", "3", "--mode", "power", "--out", out])
        #expect(outcome.status == 0, "\(outcome.output)\n\(outcome.errors)")
        #expect(outcome.output.contains("10 of 10 trials consistent"), "\(outcome.output)")
        let report = try #require((FileManager.default.contentsOfDirectory(atPath: out)).first { $0.hasPrefix("crash-crash-fs-power") })
        let decoded = try JSONDecoder().decode(CrashReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/" + report)))
        #expect(decoded.mode == "power")
        #expect(decoded.trials.allSatisfy { $0.mode == "power" && $0.replay?.contains("--mode power --trial-seed \($0.seed) ") == true })
        #expect(decoded.trials.contains { $0.outcome == "died" })
    }

    @Test("a death point replays: the same trial seed and operation index die at the same kind of operation, a write at the given byte")
    func deathPointReplays() async throws {
        let out = try LocalTemporary.directory()
        for _ in 0..<2 {
            let outcome = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--mode", "power", "--trial-seed", "42",
                                          "--die-on", "file write", "--die-at", "3", "--cut", "2", "--trials", "1", "--out", out])
            #expect(outcome.status == 0, "\(outcome.output)\n\(outcome.errors)")
            #expect(outcome.output.contains("died (file write '"), "\(outcome.output)")
            #expect(outcome.output.contains("#3 of its kind, at byte 2 of"), "\(outcome.output)")
        }
        let unknown = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--die-on", "fsnyc", "--die-at", "1", "--out", out])
        #expect(unknown.status == 2, "\(unknown.errors)")
        #expect(unknown.errors.contains("fsync"))
    }

    @Test("three seeded kills of the s3 crash scenario on a SeaweedFS the trials start are consistent")
    func s3TrialsAreConsistent() async throws {
        let outcome = try await Binary.run(["crash", "Scenarios/crash/crash-s3.json", "--trials", "3", "--seed", "1", "--out", try LocalTemporary.directory()])
        #expect(outcome.status == 0, "\(outcome.output)\n\(outcome.errors)")
        #expect(outcome.output.contains("3 of 3 trials consistent"), "\(outcome.output)")
    }

    @Test("two seeded power cuts of the s3 crash scenario are consistent: the remote is not rolled back, the cache is")
    func s3PowerTrialsAreConsistent() async throws {
        let outcome = try await Binary.run(["crash", "Scenarios/crash/crash-s3.json", "--trials", "2", "--seed", "5", "--mode", "power",
                                      "--out", try LocalTemporary.directory()])
        #expect(outcome.status == 0, "\(outcome.output)\n\(outcome.errors)")
        #expect(outcome.output.contains("2 of 2 trials consistent"), "\(outcome.output)")
    }

    @Test("the same seed gives the same death points")
    func seedsReplay() throws {
        #expect(CrashTrials.trialSeed(7, index: 3) == CrashTrials.trialSeed(7, index: 3))
        #expect(CrashTrials.trialSeed(7, index: 3) != CrashTrials.trialSeed(7, index: 4))
    }

    @Test("a mode other than kill or power, a cut without a death point, a memory store and zero trials are bad input (exit 2)")
    func badInputExits2() async throws {
        let out = try LocalTemporary.directory()
        let flood = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--trials", "1", "--mode", "flood", "--out", out])
        #expect(flood.status == 2, "\(flood.errors)")
        #expect(flood.errors.contains("kill"))
        let cut = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--trials", "1", "--cut", "3", "--out", out])
        #expect(cut.status == 2, "\(cut.errors)")
        let memory = try await Binary.run(["crash", "Scenarios/baseline-memory.json", "--trials", "1", "--out", out])
        #expect(memory.status == 2, "\(memory.errors)")
        let zero = try await Binary.run(["crash", "Scenarios/crash/crash-fs.json", "--trials", "0", "--out", out])
        #expect(zero.status == 2, "\(zero.errors)")
    }

    @Test("gc deletes the objects its journal does not name, keeps the journal's, and a dry run changes nothing")
    func gcKeepsOnlyTheJournal() async throws {
        let root = try LocalTemporary.directory()
        let prefix = "flushbench/s/20261130T221503Z-p4242-9f3a/"
        let keep = prefix + "1/a.parquet", extra = prefix + "1/b.parquet"
        for key in [keep, extra] {
            let path = root + "/objects/" + key
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        }
        let journal = root + "/journal.jsonl"
        let line = #"{"bytes":1,"flush":0,"key":"\#(keep)","runID":"20261130T221503Z-p4242-9f3a","schemaVersion":1,"sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}"#
        try (line + "\n").write(toFile: journal, atomically: true, encoding: .utf8)
        let dry = try await Binary.run(["gc", "--store", "fs:" + root, "--manifest", journal, "--grace", "0", "--dry-run"])
        #expect(dry.status == 0, "\(dry.output)\(dry.errors)")
        #expect(dry.output.contains("would delete " + extra))
        #expect(FileManager.default.fileExists(atPath: root + "/objects/" + extra))
        let young = try await Binary.run(["gc", "--store", "fs:" + root, "--manifest", journal, "--grace", "1h"])
        #expect(young.status == 1, "an unknown object younger than the grace period is kept and named: \(young.output)")
        #expect(FileManager.default.fileExists(atPath: root + "/objects/" + extra))
        let run = try await Binary.run(["gc", "--store", "fs:" + root, "--manifest", journal, "--grace", "0"])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: root + "/objects/" + extra))
        #expect(FileManager.default.fileExists(atPath: root + "/objects/" + keep))
    }

    @Test("gc refuses a work area whose lock a live process holds (exit 5)")
    func gcRefusesLockedWorkArea() async throws {
        let directory = try LocalTemporary.directory() + "/area"
        let area = try await WorkArea.open(directory: directory, marker: WorkAreaMarker(runID: RunID.make(), scenario: "s"))
        let outcome = try await Binary.run(["gc", "--store", "fs:" + directory + "/remote", "--work-area", directory, "--grace", "0"])
        await area.close()
        #expect(outcome.status == 5, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.errors.contains("locked"))
    }
}
