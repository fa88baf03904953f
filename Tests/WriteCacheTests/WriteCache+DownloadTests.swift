import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache downloads")
struct WriteCacheDownloadTests {
    /// Uploads `bytes` under `key`'s remote key directly (as another node would have).
    func seed(_ store: any ObjectStore, _ cache: WriteCache, _ key: FileKey, _ bytes: [UInt8]) async throws {
        try await store.put(key: cache.remoteKey(for: key), bytes: bytes)
    }

    @Test("a miss downloads the file with ranged reads into the cache, byte for byte")
    func downloadFillsTheCache() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, chunk: 10_000)
        defer { cache.fileCache.close() }
        let k = key(3)
        let bytes = pattern(95_001)
        try await seed(store, cache, k, bytes)
        #expect(try await cache.downloadIfAbsent(k))
        #expect(!(try await cache.downloadIfAbsent(k)), "already cached: skipped")
        let cached = try Data(contentsOf: URL(fileURLWithPath: cache.fileCache.path(of: k)))
        #expect(Array(cached) == bytes)
        #expect(store.counts.withLock { $0.reads } == 10)
        #expect(cache.metrics.bytes.downloaded == 95_001)
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("cancelling the only caller of a download cancels its transfer promptly, even when a read hangs")
    func cancellingTheLastWaiterCancelsTheTransfer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, chunk: 1 << 20)
        defer { cache.fileCache.close() }
        let k = key(4)
        try await seed(store, cache, k, pattern(100_000))
        store.readGate.close()
        let caller = Task { try await cache.download(k) }
        await store.readGate.waitUntilHeld(1)
        caller.cancel()
        let returned = await finishing(within: .seconds(20)) { await caller.result }
        let transferCancelled = await finishing(within: .seconds(5)) { await store.readGate.waitUntilCancelled(1) } != nil
        store.readGate.open()
        #expect(returned != nil, "the cancelled caller returned without waiting for the hanging read")
        #expect(transferCancelled, "the transfer's read was cancelled")
        if case .failure(let error)? = returned {
            #expect((error as? WriteCacheError)?.code == .cancelled)
        } else {
            Issue.record("the cancelled caller got \(String(describing: returned))")
        }
        // A new caller is not joined to the cancelled download.
        #expect(try await cache.download(k) == 100_000)
    }

    @Test("a read failure mid-download fails it and leaves no temp file and no entry")
    func failedDownloadLeavesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, retry: .never, chunk: 10_000)
        defer { cache.fileCache.close() }
        let k = key(5)
        try await seed(store, cache, k, pattern(100_000))
        store.setScript { $0.readErrors = [.internalError] }
        await #expect(throws: WriteCacheError.self) { try await cache.download(k) }
        #expect(!cache.fileCache.contains(k))
        #expect(dir.list("cache/tmp").isEmpty)
        #expect(cache.fileCache.statistics().reservedBytes == 0)
        // The next attempt succeeds and is not blocked by the failed one.
        #expect(try await cache.download(k) == 100_000)
    }

    @Test("a missing remote object is a permanent error, not retried")
    func missingObjectFails() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        await #expect {
            try await cache.download(key(6))
        } throws: { error in
            (error as? WriteCacheError)?.storeError?.code == .notFound
        }
        #expect(store.counts.withLock { $0.stats } == 1)
    }

    @Test("transient read errors are retried within the policy")
    func transientReadErrorsAreRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, chunk: 10_000)
        defer { cache.fileCache.close() }
        let k = key(7)
        let bytes = pattern(30_000)
        try await seed(store, cache, k, bytes)
        store.setScript { $0.readErrors = [.slowDown, .internalError] }
        #expect(try await cache.download(k) == 30_000)
        #expect(cache.metrics.operations[.read]?.retried == 2)
        let cached = try Data(contentsOf: URL(fileURLWithPath: cache.fileCache.path(of: k)))
        #expect(Array(cached) == bytes)
    }

    @Test("a download whose bytes differ from the store's checksum fails verification and caches nothing")
    func corruptDownloadIsRejected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, retry: .never, chunk: 10_000)
        defer { cache.fileCache.close() }
        let k = key(8)
        let bytes = pattern(50_000)
        try await seed(store, cache, k, bytes)
        // Bit rot on the remote: the bytes change, the recorded checksum does not.
        var rotten = bytes
        rotten[25_000] ^= 0x01
        store.inner.overwriteStoredBytes(key: cache.remoteKey(for: k), with: rotten)
        await #expect {
            try await cache.download(k)
        } throws: { error in
            (error as? WriteCacheError)?.code == .verification
        }
        #expect(!cache.fileCache.contains(k))
        #expect(dir.list("cache/tmp").isEmpty)
        #expect(cache.fileCache.statistics().reservedBytes == 0)
    }
}
