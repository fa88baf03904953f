import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("Known orphans never name an acknowledged object")
struct KnownOrphansAcknowledgedTests {
    @Test("an orphan recorded by a failed abort is resolved when a retry acknowledges its key")
    func orphanIsResolvedWhenItsKeyIsAcknowledged() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Attempt 1 is cut off and its abort fails; attempt 2 succeeds.
        let store = ScriptedStore(.init(writeErrors: [.internalError], abortFailures: 1))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        #expect(outcome.files[0].attempts == 2)
        #expect(store.counts.withLock { $0.aborts } == 1)
        #expect(!cache.orphans.keys.contains(outcome.files[0].remoteKey), "\(cache.orphans.all)")
    }

    @Test("an object orphan whose delete failed is resolved when a later upload of the key is acknowledged")
    func deleteOrphanIsResolvedByALaterAcknowledgement() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The first upload's acknowledgement is lost on its only attempt and its delete fails.
        let store = ScriptedStore(.init(lostAcks: 1, deleteErrors: [.accessDenied]))
        let cache = try await makeWriteCache(dir, store: store, retry: .never)
        defer { cache.fileCache.close() }
        let k = key(2)
        let writer = try await cache.fileCache.makeWriter(for: k)
        try await writer.write(pattern(5_000), at: 0)
        try await writer.commit()
        await #expect(throws: WriteCacheError.self) { try await cache.upload(k) }
        #expect(cache.orphans.keys == [cache.remoteKey(for: k)])
        try await cache.upload(k)
        #expect(cache.orphans.all.isEmpty, "\(cache.orphans.all)")
    }
}
