import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache upload again: a failed attempt never deletes an acknowledged object")
struct WriteCacheUploadAgainTests {
    @Test("a failed re-upload of an acknowledged key keeps the remote object")
    func failedReuploadKeepsAcknowledgedObject() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(40_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data)))
        let file = outcome.files[0]
        // The remote copy went bad (bit rot): uploading again is worth it, and its failure must
        // still leave the acknowledged object where it is.
        var damaged = data
        damaged[100] ^= 0xff
        store.inner.overwriteStoredBytes(key: file.remoteKey, with: damaged, updateChecksum: true)
        store.setScript { $0.closeErrors = [.accessDenied] }
        await #expect(throws: WriteCacheError.self) { try await cache.upload(file.key) }
        #expect(try await store.inner.readAll(key: file.remoteKey) == damaged, "the acknowledged object is still there")
        #expect(store.counts.withLock { $0.deletes } == 0)
        #expect(cache.orphans.all.isEmpty)
        #expect(cache.fileCache.contains(file.key), "the cached file stays")
    }

    @Test("after a reopen, a failed re-upload keeps the object an earlier process acknowledged")
    func failedReuploadAfterReopenKeepsObject() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let first = try await makeWriteCache(dir, store: store)
        let data = wholeFile(.parquet, size: 40_000) // recovery indexes whole files only
        let file = try await first.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data))).files[0]
        first.fileCache.close()
        // A new process: it knows nothing of what the first acknowledged.
        let second = try await makeWriteCache(dir, store: store)
        defer { second.fileCache.close() }
        #expect(second.fileCache.contains(file.key))
        let shorter = Array(data.prefix(30_000))
        store.inner.overwriteStoredBytes(key: file.remoteKey, with: shorter, updateChecksum: true)
        store.setScript { $0.lostAcks = 3 }
        await #expect(throws: WriteCacheError.self) { try await second.upload(file.key) }
        #expect(try await store.inner.readAll(key: file.remoteKey).count >= shorter.count, "never deleted")
        #expect(store.counts.withLock { $0.deletes } == 0)
    }

    @Test("a failed upload of a key the store never held still deletes what the attempt left")
    func failedUploadOfNewKeyCleansUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(lostAcks: 1))
        let cache = try await makeWriteCache(dir, store: store, retry: .never)
        defer { cache.fileCache.close() }
        let k = key(3)
        let writer = try await cache.fileCache.makeWriter(for: k)
        try await writer.write(pattern(5_000), at: 0)
        try await writer.commit()
        await #expect(throws: WriteCacheError.self) { try await cache.upload(k) }
        #expect(try await store.inner.list(prefix: "").isEmpty, "the committed but unacknowledged object was deleted")
    }

    @Test("a re-upload that cannot learn whether the object exists does not touch the remote")
    func unknownRemoteStateIsNotOverwritten() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let first = try await makeWriteCache(dir, store: store)
        let file = try await first.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(1_000)))).files[0]
        first.fileCache.close()
        let failing = StatFailingStore(inner: store)
        let second = WriteCache(fileCache: try await openCache(dir), store: failing,
                                configuration: WriteCacheConfiguration(retry: .never, remotePrefix: "sst/"), timeSource: ManualTimeSource())
        defer { second.fileCache.close() }
        await #expect(throws: WriteCacheError.self) { try await second.upload(file.key) }
        #expect(store.counts.withLock { ($0.writersStarted, $0.deletes) } == (1, 0), "only the first process wrote")
    }

    @Test("uploading again an acknowledged key whose remote copy is whole writes nothing, so no torn attempt can spoil it")
    func intactAcknowledgedObjectIsNotOverwritten() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(40_000)
        let file = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data))).files[0]
        let writers = store.counts.withLock { $0.writersStarted }
        store.setScript { $0.tornCommits = 5 }
        let again = try await cache.upload(file.key)
        #expect(again.attempts == 0 && again.size == UInt64(data.count))
        #expect(store.counts.withLock { $0.writersStarted } == writers, "nothing was written")
        #expect(try await store.inner.readAll(key: file.remoteKey) == data)
    }

    @Test("two uploads of one key run one after the other: the second finds the first's object whole",
          .timeLimit(.minutes(1)))
    func uploadsOfOneKeyAreSerialized() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let k = key(7)
        let writer = try await cache.fileCache.makeWriter(for: k)
        try await writer.write(pattern(5_000), at: 0)
        try await writer.commit()
        // Two uploads of one key at once: each must see the other's outcome, never half of it.
        async let first = cache.upload(k)
        async let second = cache.upload(k)
        let results = try await [first, second]
        #expect(results.map(\.attempts).sorted() == [0, 1], "the second found the first's object whole")
        #expect(store.counts.withLock { $0.writersStarted } == 1)
    }

}

/// A store whose `stat` fails with a permanent error; everything else goes to `inner`.
final class StatFailingStore: ObjectStore {
    let kind = "stat-failing"
    let inner: ScriptedStore

    init(inner: ScriptedStore) {
        self.inner = inner
    }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try await inner.makeWriter(key: key, options: options)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        throw ObjectStoreError(code: .accessDenied, operation: .stat, key: key, message: "scripted stat failure")
    }

    func delete(key: String) async throws(ObjectStoreError) {
        try await inner.delete(key: key)
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        try await inner.list(prefix: prefix)
    }
}
