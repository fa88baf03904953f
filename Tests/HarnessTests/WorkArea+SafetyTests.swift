import Foundation
import Harness
import ObjectStore
import Testing
import WriteCache

@Suite("Work areas: locked before use, only flushbench's own files removed, every acknowledged flush journalled")
struct WorkAreaSafetyTests {
    func fsScenario(_ name: String = "work-area") throws -> Scenario {
        try scenarios(smallScenario(name: name, store: "fs"))[0]
    }

    @Test("a second run on a work directory in use stops with 'locked by another process' and the first run keeps its files")
    func secondRunOnLockedDirectoryIsRefused() async throws {
        let work = try LocalTemporary.directory() + "/work"
        let scenario = try fsScenario()
        let second = Locked<String?>(nil)
        let first = try await ScenarioRunner.run(scenario, options: RunOptions(workDirectory: work, beforeChecks: { _, _ in
            do {
                _ = try await ScenarioRunner.run(scenario, options: RunOptions(workDirectory: work))
                second.withLock { $0 = "the second run was not refused" }
            } catch let error as WorkAreaError {
                second.withLock { $0 = "\(error.code): \(error.message)" }
            } catch {
                second.withLock { $0 = "\(error)" }
            }
        }))
        let refusal = second.withLock { $0 } ?? ""
        #expect(refusal.hasPrefix("locked: "), "\(refusal)")
        #expect(refusal.contains("locked by another process"))
        #expect(first.passed, "\(first.checks.filter { !$0.passed })")
        #expect(first.flushes.succeeded == 4)
    }

    @Test("--work-dir refuses a directory flushbench did not make and leaves every file in it")
    func foreignDirectoryIsRefusedUntouched() async throws {
        let work = try LocalTemporary.directory()
        try FileManager.default.createDirectory(atPath: work + "/cache", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work + "/remote/photos", withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: work + "/cache/important.txt"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: work + "/remote/photos/cat.jpg"))
        await #expect(throws: WorkAreaError.self) {
            _ = try await ScenarioRunner.run(try fsScenario(), options: RunOptions(workDirectory: work))
        }
        #expect(FileManager.default.fileExists(atPath: work + "/cache/important.txt"))
        #expect(FileManager.default.fileExists(atPath: work + "/remote/photos/cat.jpg"))
        #expect(!FileManager.default.fileExists(atPath: work + "/" + WorkArea.markerName))
    }

    @Test("a work directory of an earlier run is reused, unless a file there is not flushbench's: then it names that file and removes nothing")
    func markedDirectoryWithForeignFileIsRefused() async throws {
        let work = try LocalTemporary.directory() + "/work"
        let first = try await ScenarioRunner.run(try fsScenario(), options: RunOptions(workDirectory: work))
        let again = try await ScenarioRunner.run(try fsScenario(), options: RunOptions(workDirectory: work))
        #expect(first.passed && again.passed)
        let remote = try FileManager.default.subpathsOfDirectory(atPath: work + "/remote/objects").filter { $0.hasSuffix(".parquet") }
        #expect(remote.count == 4, "only the latest run's objects: \(remote)")
        #expect(remote.allSatisfy { $0.contains(again.runId ?? "?") })

        try Data("keep me".utf8).write(to: URL(fileURLWithPath: work + "/cache/important.txt"))
        do {
            _ = try await ScenarioRunner.run(try fsScenario(), options: RunOptions(workDirectory: work))
            Issue.record("a work directory holding a foreign file was used")
        } catch let error as WorkAreaError {
            #expect(error.code == .notOurs)
            #expect(error.message.contains(work + "/cache/important.txt"))
        }
        #expect(FileManager.default.fileExists(atPath: work + "/cache/important.txt"))
        let kept = try FileManager.default.subpathsOfDirectory(atPath: work + "/remote/objects").filter { $0.hasSuffix(".parquet") }
        #expect(kept.count == 4)
    }

    @Test("every acknowledged flush is in the journal (real key, bytes, SHA-256) and the marker carries the schema versions")
    func acknowledgedFlushesAreJournalled() async throws {
        let work = try LocalTemporary.directory() + "/work"
        let result = try await ScenarioRunner.run(try fsScenario(), options: RunOptions(workDirectory: work))
        let entries = try RunJournal.read(work + "/" + WorkArea.journalName)
        #expect(entries.count == result.objects.count && entries.count == 8)
        for object in result.objects {
            let entry = try #require(entries.first { $0.key == object.key })
            #expect(entry.bytes == object.bytes)
            let hex = Data(base64Encoded: object.checksum).map { $0.map { String(format: "%02x", $0) }.joined() }
            #expect(entry.sha256 == hex)
            #expect(entry.runID.value == result.runId)
            let file = try Data(contentsOf: URL(fileURLWithPath: work + "/remote/objects/" + object.key))
            #expect(UInt64(file.count) == entry.bytes)
        }
        let marker = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/" + WorkArea.markerName))) as? [String: Any]
        #expect(marker?["schemaVersion"] as? Int == 1)
        #expect(marker?["cacheSchemaVersion"] as? Int == 1)
        #expect(marker?["remotePrefix"] as? String == result.remotePrefix)
    }

    @Test("each run writes below a prefix of its own run id, and below it the keys are seeded: fingerprints repeat")
    func runIDSeparatesRunsAndKeepsFingerprints() async throws {
        let scenario = try scenarios(smallScenario(name: "run-ids"))[0]
        let first = try await ScenarioRunner.run(scenario)
        let second = try await ScenarioRunner.run(scenario)
        let firstKeys = Set(first.objects.map(\.key)), secondKeys = Set(second.objects.map(\.key))
        #expect(firstKeys.isDisjoint(with: secondKeys), "two runs of one scenario must never share a key")
        let runId = try #require(first.runId)
        #expect(RunID(runId) != nil)
        #expect(first.remotePrefix == "flushbench/run-ids/\(runId)/")
        #expect(first.objects.allSatisfy { $0.key.hasPrefix("flushbench/run-ids/\(runId)/") })
        #expect(GateMetrics.fingerprints(first) == GateMetrics.fingerprints(second))
    }
}
