import Foundation
import ObjectStore
import Platform
import SSTFormat
import Synchronization
import Testing
@testable import WriteCache

/// A memory store that counts which path each transfer took.
final class PathCountingStore: ObjectStore {
    struct Counts: Equatable {
        var rangeUploads = 0
        var writers = 0
        var rangeReads = 0
        var plainReads = 0
    }

    let inner = MemoryStore()
    let counts = Mutex(Counts())
    var kind: String { "counting" }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        counts.withLock { $0.writers += 1 }
        return try await inner.makeWriter(key: key, options: options)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        counts.withLock { $0.plainReads += 1 }
        return try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo { try await inner.stat(key: key) }
    func delete(key: String) async throws(ObjectStoreError) { try await inner.delete(key: key) }
    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] { try await inner.list(prefix: prefix) }

    func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        counts.withLock { $0.rangeUploads += 1 }
        return try await inner.upload(from: file, range: range, key: key, options: options)
    }

    func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        counts.withLock { $0.rangeReads += 1 }
        return try await inner.read(key: key, range: range, into: file, at: offset)
    }
}

@Suite("WriteCache transfers through the store's range path on the real disk")
struct WriteCacheRangeTransferTests {
    @Test("on the real disk an upload streams the cached file through the store's range upload; a download lands straight in the temp file")
    func realDiskUsesRangeTransfers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = PathCountingStore()
        let cache = try await makeWriteCache(dir, store: store, partSize: 64 << 10, chunk: 10_000)
        defer { cache.fileCache.close() }
        let data = wholeFile(.parquet, size: 300_000), index = wholeFile(.puffin, size: 5_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 2, producer: BytesProducer(data: data, index: index)))
        #expect(store.counts.withLock { $0 } == .init(rangeUploads: 2))
        #expect(cache.metrics.bytes.uploaded == UInt64(data.count + index.count))
        #expect(try await store.inner.readAll(key: outcome.files[0].remoteKey) == data)

        let k = outcome.files[0].key
        await cache.fileCache.remove(k)
        #expect(try await cache.download(k) == UInt64(data.count))
        // 300,000 bytes in 10,000-byte ranges, each read into the file, none through memory.
        #expect(store.counts.withLock { $0 } == .init(rangeUploads: 2, rangeReads: 30))
        #expect(try await cache.read(k, range: 0..<UInt64(data.count)) == data)
        #expect(cache.metrics.bytes.downloaded == UInt64(data.count))
        #expect(dir.list("cache/tmp").isEmpty)
        #expect(cache.fileCache.statistics().reservedBytes == 0)
    }

    @Test("under the in-memory file layer the cache reads through the layer into the store's writer and reader")
    func otherLayerReadsThroughIt() async throws {
        let fs = InMemoryFileSystem()
        let store = PathCountingStore()
        let fileCache = try await FileCache.open(FileCacheConfiguration(directory: "/cache", timeSource: ManualTimeSource(), fileSystem: fs))
        defer { fileCache.close() }
        let cache = WriteCache(fileCache: fileCache, store: store,
                               configuration: WriteCacheConfiguration(partSize: 64 << 10, downloadChunkSize: 64 << 10, remotePrefix: "sst/"),
                               timeSource: ManualTimeSource())
        let data = wholeFile(.parquet, size: 200_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 3, producer: BytesProducer(data: data, index: wholeFile(.puffin, size: 100))))
        #expect(store.counts.withLock { $0 } == .init(writers: 2))
        await fileCache.remove(outcome.files[0].key)
        try await cache.download(outcome.files[0].key)
        #expect(store.counts.withLock { $0 } == .init(writers: 2, plainReads: 4))
        #expect(try fs.readWholeFile("/cache/" + outcome.files[0].key.fileName) == data)
    }
}
