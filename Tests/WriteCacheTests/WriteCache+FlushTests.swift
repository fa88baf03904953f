import Foundation
import ObjectStore
import Platform
import SSTFormat
import Synchronization
import Testing
@testable import WriteCache

/// A write cache over `store`, with fast back-off for tests.
func makeWriteCache(_ dir: TemporaryDirectory, store: any ObjectStore, capacity: UInt64 = 1 << 30,
                    partSize: Int = 64 << 10, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5)),
                    chunk: Int = 64 << 10) async throws -> WriteCache {
    let cache = try await openCache(dir, capacity: capacity)
    return WriteCache(fileCache: cache, store: store,
                      configuration: WriteCacheConfiguration(partSize: partSize, uploadConcurrency: 4, downloadChunkSize: chunk,
                                                             downloadConcurrency: 4, retry: retry, remotePrefix: "sst/"),
                      timeSource: ManualTimeSource())
}

@Suite("WriteCache write and upload")
struct WriteCacheFlushTests {
    @Test("write and upload: remote bytes equal cached bytes; remove drops both keys", arguments: ["memory", "fs"])
    func writeAndUploadThenRemove(storeKind: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store: any ObjectStore = storeKind == "fs" ? try await FileSystemStore.open(root: dir.path + "/remote") : MemoryStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(300_000), index = pattern(5_000, seed: 3)
        let flush = Flush(region: (12 << 32) | 3, producer: BytesProducer(data: data, index: index))
        let outcome = try await cache.writeAndUpload(flush)
        #expect(outcome.files.map(\.key.type) == [.parquet, .puffin])
        #expect(outcome.summary.rows == UInt64(data.count / 8))
        for (file, bytes) in zip(outcome.files, [data, index]) {
            #expect(file.remoteKey == "sst/\(flush.region)/\(flush.fileID.uuidString.lowercased()).\(file.key.type.rawValue)")
            #expect(try await store.readAll(key: file.remoteKey) == bytes)
            let cached = try Data(contentsOf: URL(fileURLWithPath: cache.fileCache.path(of: file.key)))
            #expect(Array(cached) == bytes)
            #expect(file.size == UInt64(bytes.count))
        }
        #expect(cache.metrics.bytes.writtenToCache == 305_000)
        #expect(cache.metrics.bytes.uploaded == 305_000)
        #expect(cache.metrics.bytes.uploadedAcknowledged == 305_000)
        #expect(cache.metrics.operations[.flush]?.count == 1)
        #expect(cache.metrics.operations[.upload]?.count == 2)

        await cache.remove(region: flush.region, fileID: flush.fileID)
        for file in outcome.files { #expect(!cache.fileCache.contains(file.key)) }
        #expect(dir.list("cache") == ["LOCK", "tmp"])
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("the SST's metadata reads back through the cache, from disk and then from the remote")
    func readMetadataThroughCache() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        // A file that ends like Parquet: metadata, its 4-byte length, "PAR1".
        let metadata = Array("{\"rows\":1000}".utf8)
        var file = pattern(10_000)
        file += metadata
        file += withUnsafeBytes(of: UInt32(metadata.count).littleEndian, Array.init)
        file += Array("PAR1".utf8)
        let flush = Flush(region: 5, producer: BytesProducer(data: file))
        let outcome = try await cache.writeAndUpload(flush)
        let dataKey = outcome.files[0].key
        let size = UInt64(file.count)

        func readFooter() async throws -> String {
            let tail = try await cache.read(dataKey, range: (size - 8)..<size)
            #expect(Array(tail.suffix(4)) == Array("PAR1".utf8))
            let length = UInt64(tail[0]) | UInt64(tail[1]) << 8 | UInt64(tail[2]) << 16 | UInt64(tail[3]) << 24
            let bytes = try await cache.read(dataKey, range: (size - 8 - length)..<(size - 8))
            return String(decoding: bytes, as: UTF8.self)
        }
        let readsBefore = store.counts.withLock { $0.reads }
        #expect(try await readFooter() == "{\"rows\":1000}")
        #expect(store.counts.withLock { $0.reads } == readsBefore, "served from the cache")
        await cache.remove(region: 5, fileID: flush.fileID)
        #expect(try await readFooter() == "{\"rows\":1000}")
        #expect(store.counts.withLock { $0.reads } == readsBefore + 2, "served from the remote")
    }

    @Test("a producer that fails mid-write leaves no temp file, no cache entry and nothing remote")
    func failingProducerLeavesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = MemoryStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 1, producer: BytesProducer(data: pattern(500_000), failAfterBytes: 200_000))
        await #expect {
            _ = try await cache.writeAndUpload(flush)
        } throws: { error in
            (error as? WriteCacheError)?.code == .producer
        }
        #expect(dir.list("cache/tmp").isEmpty)
        #expect(dir.list("cache") == ["LOCK", "tmp"])
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(cache.fileCache.statistics().reservedBytes == 0)
        #expect(cache.metrics.operations[.flush]?.failed == 1)
    }

    @Test("a flush with no rows caches and uploads nothing")
    func emptyFlushIsANoOp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = MemoryStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: [])))
        #expect(outcome.files.isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(dir.list("cache") == ["LOCK", "tmp"])
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("a file of many parts uploads whole, streamed part by part")
    func multipartUploadStreamsWholeFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, partSize: 100_000)
        defer { cache.fileCache.close() }
        let data = pattern(1_050_001)
        let outcome = try await cache.writeAndUpload(Flush(region: 2, producer: BytesProducer(data: data)))
        #expect(outcome.files.count == 1)
        #expect(try await store.inner.readAll(key: outcome.files[0].remoteKey) == data)
        #expect(store.counts.withLock { $0.writes } == 11)
    }

    @Test("putAndUpload caches pre-encoded bytes and uploads them")
    func putAndUpload() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = MemoryStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let k = key(9, .puffin)
        let bytes = pattern(77_777)
        let file = try await cache.putAndUpload(k, bytes: bytes)
        #expect(try await store.readAll(key: file.remoteKey) == bytes)
        #expect(cache.fileCache.contains(k))
        #expect(file.checksum == Checksum.sha256(of: bytes))
    }
}

@Suite("WriteCache flush uploads what it committed")
struct WriteCacheCommittedSizeTests {
    @Test("a file removed from the cache between commit and upload still uploads its committed bytes")
    func removalBeforeUploadUploadsCommittedBytes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(30_000), index = pattern(3_000, seed: 9)
        let flush = Flush(region: 1, producer: BytesProducer(data: data, index: index))
        let indexKey = FileKey(region: 1, fileID: flush.fileID, type: .puffin)
        // When the data file's upload starts, both files are committed; the index is removed.
        store.beforeWriter.withLock { hook in
            hook = { remote in
                if remote.hasSuffix(".parquet") { await cache.fileCache.remove(indexKey) }
            }
        }
        let outcome = try await cache.writeAndUpload(flush)
        #expect(outcome.files.map(\.size) == [30_000, 3_000])
        #expect(try await store.inner.readAll(key: cache.remoteKey(for: indexKey)) == index)
        #expect(!cache.fileCache.contains(indexKey))
        #expect(!FileManager.default.fileExists(atPath: cache.fileCache.path(of: indexKey)), "deleted at its last unpin")
    }
}
