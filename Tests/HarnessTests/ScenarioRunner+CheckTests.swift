import Foundation
import Harness
import ObjectStore
import Platform
import Testing
import WriteCache

@Suite("Scenario runs: checks hold on clean runs and catch every planted breakage")
struct ScenarioRunnerCheckTests {
    func run(_ json: String, beforeChecks: (@Sendable (any ObjectStore, WriteCache) async -> Void)? = nil) async throws -> RunResult {
        let scenario = try scenarios(json)[0]
        return try await ScenarioRunner.run(scenario, options: RunOptions(beforeChecks: beforeChecks))
    }

    func check(_ result: RunResult, _ name: String) -> CheckResult? {
        result.checks.first { $0.name == name }
    }

    @Test("a fault-free run passes every check on the memory and fs stores", arguments: ["memory", "fs"])
    func cleanRunPasses(store: String) async throws {
        let result = try await run(smallScenario(store: store, extra: "\"expect\": { \"leftoverFiles\": 0, \"unknownOrphans\": 0, \"corruptObjects\": 0, \"minFlushesSucceeded\": 4 }"))
        #expect(result.passed, "\(result.checks.filter { !$0.passed })")
        #expect(result.flushes.attempted == 4 && result.flushes.succeeded == 4 && result.flushes.failed == 0)
        #expect(result.objects.count == 8, "a parquet and a puffin per flush")
        #expect(result.reads.succeeded == 8)
        #expect(result.bytes.downloaded == result.objects.reduce(0) { $0 + $1.bytes })
        #expect(Set(result.checks.map(\.name)) == ["time-limit", "no-temp-files", "index-matches-disk", "acknowledged-objects-present",
                                                    "known-orphans-unacknowledged", "no-unknown-orphans", "integrity", "byte-counters-balance",
                                                    "retries-within-policy"])
    }

    @Test("a file planted in the cache's temp directory fails the temp-file check")
    func plantedTempFile() async throws {
        let result = try await run(smallScenario()) { _, cache in
            try? Data([1, 2, 3]).write(to: URL(fileURLWithPath: cache.fileCache.temporaryDirectory + "/stray.tmp"))
        }
        #expect(!result.passed)
        #expect(check(result, "no-temp-files")?.passed == false)
        #expect(check(result, "no-temp-files")?.detail.contains("stray.tmp") == true)
    }

    @Test("an untracked file in the cache directory fails the index check")
    func plantedUntrackedFile() async throws {
        let result = try await run(smallScenario()) { _, cache in
            let key = FileKey(region: 9, fileID: UUID(), type: .parquet)
            try? Data([1]).write(to: URL(fileURLWithPath: cache.fileCache.path(of: key)))
        }
        #expect(check(result, "index-matches-disk")?.passed == false)
        #expect(!result.passed)
    }

    @Test("an extra remote object is an unknown orphan")
    func plantedRemoteObject() async throws {
        let result = try await run(smallScenario(extra: "\"expect\": { \"unknownOrphans\": 0 }")) { store, cache in
            // Below the run's own prefix (the base prefix and the run id): another run's object is not this run's orphan.
            guard let first = try? await store.list(prefix: cache.configuration.remotePrefix).first else { return }
            let runPrefix = cache.configuration.remotePrefix + (first.key.dropFirst(cache.configuration.remotePrefix.count).split(separator: "/").first ?? "") + "/"
            _ = try? await store.put(key: runPrefix + "1/stray.parquet", bytes: [1, 2, 3])
        }
        #expect(check(result, "no-unknown-orphans")?.passed == false)
        #expect(result.unknownOrphans.count == 1)
        #expect(result.expectations.first { $0.name == "unknownOrphans" }?.passed == false)
        #expect(!result.passed)
    }

    @Test("a known orphan naming an acknowledged object fails the run")
    func knownOrphanNamingAnAcknowledgedObject() async throws {
        // The record the cache left when an upload's abort failed and a retry then acknowledged
        // the key: garbage collection would delete the only remote copy.
        let result = try await run(smallScenario()) { store, cache in
            // The bare store's keys carry the run id; the cache knows them without it.
            let prefix = cache.configuration.remotePrefix
            guard let first = try? await store.list(prefix: prefix).first,
                  let rest = first.key.dropFirst(prefix.count).split(separator: "/", maxSplits: 1).last else { return }
            cache.orphans.record(KnownOrphan(key: prefix + rest, reason: "aborting the failed upload failed: planted", code: "InternalError"))
        }
        #expect(check(result, "known-orphans-unacknowledged")?.passed == false)
        #expect(!result.passed)
    }

    @Test("a known incomplete upload of an acknowledged key, named by its upload id, passes")
    func knownIncompleteUploadOfAcknowledgedKey() async throws {
        let result = try await run(smallScenario()) { store, cache in
            let prefix = cache.configuration.remotePrefix
            guard let first = try? await store.list(prefix: prefix).first,
                  let rest = first.key.dropFirst(prefix.count).split(separator: "/", maxSplits: 1).last else { return }
            cache.orphans.record(KnownOrphan(key: prefix + rest, reason: "aborting the failed upload failed: planted", code: "InternalError",
                                             uploadId: "upload-1"))
        }
        #expect(check(result, "known-orphans-unacknowledged")?.passed == true)
        #expect(result.knownOrphans.map(\.uploadId) == ["upload-1"])
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains(#""uploadId":"upload-1""#), "the result JSON names the upload")
    }

    @Test("a corrupted remote object fails the integrity check")
    func corruptedRemoteObject() async throws {
        let result = try await run(smallScenario()) { store, cache in
            guard let memory = store as? MemoryStore, let first = try? await store.list(prefix: cache.configuration.remotePrefix).first else { return }
            var bytes = (try? await store.readAll(key: first.key)) ?? []
            bytes[bytes.count / 2] ^= 0xff
            memory.overwriteStoredBytes(key: first.key, with: bytes)
        }
        #expect(check(result, "integrity")?.passed == false)
        #expect(!result.passed)
    }

    @Test("a lost acknowledged object fails the presence check")
    func lostObject() async throws {
        let result = try await run(smallScenario()) { store, cache in
            if let first = try? await store.list(prefix: cache.configuration.remotePrefix).first {
                try? await store.delete(key: first.key)
            }
        }
        #expect(check(result, "acknowledged-objects-present")?.passed == false)
        #expect(!result.passed)
    }

    @Test("a byte counter that does not balance fails the counter check")
    func badCounter() async throws {
        let result = try await run(smallScenario()) { _, cache in
            cache.metrics.addBytes { $0.uploaded += 1 }
        }
        #expect(check(result, "byte-counters-balance")?.passed == false)
        #expect(!result.passed)
    }

    @Test("known orphans from failed deletes are reported, not counted as unknown")
    func knownOrphansAreReported() async throws {
        let result = try await run(smallScenario(extra: """
            "faults": [ { "op": "write", "kind": "error", "error": "AccessDenied", "path": "*.puffin" },
                        { "op": "delete", "kind": "error", "error": "AccessDenied" } ],
            "expect": { "unknownOrphans": 0, "minKnownOrphans": 4, "minFlushesFailed": 4 }
            """))
        #expect(result.passed, "\(result.checks.filter { !$0.passed }) \(result.expectations.filter { !$0.passed })")
        #expect(result.flushes.failed == 4)
        #expect(result.knownOrphans.count >= 4)
        #expect(result.unknownOrphans.isEmpty)
    }
}
