import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("Known orphans of incomplete uploads carry their upload ids")
struct KnownOrphansUploadIdTests {
    @Test("a failed abort records the incomplete upload with its id; acknowledging the key keeps it")
    func failedAbortRecordsTheUploadId() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(writeErrors: [.internalError], abortFailures: 1, listsIncompleteUploads: true))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        let remote = outcome.files[0].remoteKey
        #expect(cache.isAcknowledged(remote))
        // The incomplete upload is a real leftover, named by its id: aborting it leaves the object.
        #expect(cache.orphans.all.map(\.uploadId) == ["scripted-1"])
        #expect(cache.orphans.all.allSatisfy { !$0.isObject && $0.key == remote })
    }

    @Test("an incomplete upload whose abort fails during clean-up is recorded with its id, once")
    func cleanUpRecordsUploadIdsOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The only attempt is cut off; its abort and the clean-up's abort of the listed upload fail.
        let store = ScriptedStore(.init(writeErrors: [.accessDenied], abortFailures: 2, listsIncompleteUploads: true))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 1, producer: BytesProducer(data: pattern(10_000)))
        await #expect(throws: WriteCacheError.self) { _ = try await cache.writeAndUpload(flush) }
        let remote = cache.remoteKey(for: FileKey(region: 1, fileID: flush.fileID, type: .parquet))
        #expect(cache.orphans.all.map(\.key) == [remote])
        #expect(cache.orphans.all.map(\.uploadId) == ["scripted-1"])
        #expect(try await store.incompleteUploads(prefix: "").map(\.uploadID) == ["scripted-1"])
    }

    @Test("an abort that succeeds later resolves the upload's orphan")
    func laterAbortResolvesTheOrphan() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The writer's abort fails; the clean-up's abort of the listed upload succeeds.
        let store = ScriptedStore(.init(writeErrors: [.accessDenied], abortFailures: 1, listsIncompleteUploads: true))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        await #expect(throws: WriteCacheError.self) {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        }
        #expect(cache.orphans.all.isEmpty, "\(cache.orphans.all)")
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
    }

    @Test("acknowledging a key resolves its object orphans only")
    func acknowledgeResolvesObjectOrphansOnly() {
        let orphans = KnownOrphans()
        orphans.record(KnownOrphan(key: "a", reason: "delete failed", code: "AccessDenied"))
        orphans.record(KnownOrphan(key: "a", reason: "abort failed", code: "InternalError", uploadId: "u1"))
        orphans.record(KnownOrphan(key: "a", reason: "abort failed again", code: "InternalError", uploadId: "u1"))
        orphans.record(KnownOrphan(key: "b", reason: "delete failed", code: "AccessDenied"))
        #expect(orphans.all.count == 3, "one record per incomplete upload")
        orphans.acknowledge(key: "a")
        #expect(orphans.all.map(\.key) == ["a", "b"])
        #expect(orphans.all.first?.uploadId == "u1")
        orphans.resolve(key: "a", uploadId: "u1")
        #expect(orphans.all.map(\.key) == ["b"])
    }
}
