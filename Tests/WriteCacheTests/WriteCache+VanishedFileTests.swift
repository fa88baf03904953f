import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache reads of files that vanished from the cache directory")
struct WriteCacheVanishedFileTests {
    @Test("a cached file deleted behind the index is dropped and read through from the remote")
    func vanishedFileIsDroppedAndReadThrough() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let k = key(4)
        let bytes = pattern(20_000)
        try await cache.putAndUpload(k, bytes: bytes)
        try LocalFiles.remove(cache.fileCache.path(of: k))
        #expect(try await cache.read(k, range: 100..<200) == Array(bytes[100..<200]))
        #expect(!cache.fileCache.contains(k), "the stale entry is gone")
        #expect(try await cache.read(k, range: 0..<10) == Array(bytes[0..<10]))
        #expect(store.counts.withLock { $0.reads } == 2)
        #expect(cache.fileCache.statistics().committedBytes == 0)
        // A download brings the file back.
        #expect(try await cache.downloadIfAbsent(k))
        #expect(try await cache.read(k, range: 0..<10) == Array(bytes[0..<10]))
        #expect(store.counts.withLock { $0.reads } == 3)
    }
}
