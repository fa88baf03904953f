import Foundation
import ObjectStore
import Platform
import SSTFormat
import Testing
@testable import WriteCache

@Suite("WriteCache over the in-memory file layer: every local operation goes through it")
struct WriteCacheInMemoryFileSystemTests {
    func open(_ fs: InMemoryFileSystem, store: any ObjectStore) async throws -> WriteCache {
        let cache = try await FileCache.open(FileCacheConfiguration(directory: "/cache", timeSource: ManualTimeSource(), fileSystem: fs))
        #expect(cache.io == .inline)
        return WriteCache(fileCache: cache, store: store,
                          configuration: WriteCacheConfiguration(partSize: 64 << 10, uploadConcurrency: 4, downloadChunkSize: 64 << 10,
                                                                 downloadConcurrency: 4, remotePrefix: "sst/"),
                          timeSource: ManualTimeSource())
    }

    @Test("flush, read, reopen (recovery) and download round trip without touching the disk")
    func roundTrip() async throws {
        let fs = InMemoryFileSystem()
        let store = MemoryStore()
        let data = wholeFile(.parquet, size: 200_000), index = wholeFile(.puffin, size: 3_000)
        let flush = Flush(region: 9, producer: BytesProducer(data: data, index: index))
        let cache = try await open(fs, store: store)
        let outcome = try await cache.writeAndUpload(flush)
        let dataKey = outcome.files[0].key, indexKey = outcome.files[1].key
        #expect(try await store.readAll(key: outcome.files[0].remoteKey) == data)
        #expect(try await cache.read(dataKey, range: 100..<164) == Array(data[100..<164]))
        #expect(fs.files() == ["/cache/LOCK", "/cache/" + dataKey.fileName, "/cache/" + indexKey.fileName].sorted())
        #expect(try fs.readWholeFile("/cache/" + indexKey.fileName) == index)
        #expect(fs.openHandles() == [.init(path: "/cache/LOCK", isLock: true)], "only the lock stays open")
        cache.fileCache.close()
        #expect(fs.openHandleCount == 0)

        let reopened = try await open(fs, store: store)
        #expect(reopened.fileCache.snapshot() == [dataKey: UInt64(data.count), indexKey: UInt64(index.count)])
        #expect(reopened.fileCache.recovery.recoveredFiles == 2)
        await reopened.fileCache.remove(dataKey)
        #expect(try fs.status("/cache/" + dataKey.fileName) == nil)
        #expect(try await reopened.downloadIfAbsent(dataKey))
        #expect(try fs.readWholeFile("/cache/" + dataKey.fileName) == data)
        reopened.fileCache.close()
    }

    @Test("after a power loss, every acknowledged flush's files are whole on the reopened cache")
    func powerLossKeepsCommittedFiles() async throws {
        let fs = InMemoryFileSystem()
        let store = MemoryStore()
        let cache = try await open(fs, store: store)
        var acknowledged: [FileKey: [UInt8]] = [:]
        for region in UInt64(1)...5 {
            let data = wholeFile(.parquet, size: 10_000 + Int(region)), index = wholeFile(.puffin, size: 500)
            let outcome = try await cache.writeAndUpload(Flush(region: region, producer: BytesProducer(data: data, index: index)))
            acknowledged[outcome.files[0].key] = data
            acknowledged[outcome.files[1].key] = index
        }
        // A write in progress: its temp file is not durable and must not come back as a file.
        let writer = try await cache.fileCache.makeWriter(for: FileKey(region: 99, fileID: UUID(), type: .parquet))
        try await writer.write(wholeFile(.parquet, size: 5_000))
        fs.powerLoss(tornSeed: 3)
        let reopened = try await open(fs, store: store)
        defer { reopened.fileCache.close() }
        #expect(reopened.fileCache.snapshot().mapValues { Int($0) } == acknowledged.mapValues(\.count))
        for (key, bytes) in acknowledged { #expect(try fs.readWholeFile("/cache/" + key.fileName) == bytes) }
        #expect(try fs.listDirectory("/cache/tmp") == [])
    }
}
