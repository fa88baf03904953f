import Foundation
import ObjectStore
import Servers
import Platform
import SSTFormat
import Testing
import WriteCache

/// An SST producer that writes given bytes in 1 MiB chunks, optionally failing part-way.
private struct FixedProducer: SSTProducer {
    var data: [UInt8]
    var index: [UInt8] = []
    var failAfterBytes: Int?

    struct Failure: Error {}

    func produce(data dataSink: any ByteSink, index indexSink: any ByteSink) async throws -> SSTSummary {
        var offset = 0
        while offset < data.count {
            let end = min(offset + (1 << 20), data.count)
            if let failAfterBytes, end > failAfterBytes { throw Failure() }
            try await dataSink.write(Array(data[offset..<end]))
            offset = end
        }
        if !index.isEmpty { try await indexSink.write(index) }
        return SSTSummary(rows: UInt64(data.count / 8))
    }
}

/// A write cache in a fresh temp directory over `store`, with 5 MiB parts and fast back-off.
private func makeCache(over store: any ObjectStore, in directory: String) async throws -> WriteCache {
    let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory + "/cache", capacity: 1 << 30))
    return WriteCache(fileCache: fileCache, store: store,
                      configuration: WriteCacheConfiguration(partSize: 5 << 20, uploadConcurrency: 4, downloadChunkSize: 3 << 20,
                                                             downloadConcurrency: 4,
                                                             retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(5)),
                                                             remotePrefix: "sst/"))
}

private func entries(_ path: String) -> [String] {
    ((try? LocalFiles.listDirectory(path)) ?? []).sorted()
}

@Suite("WriteCache over S3Store on SeaweedFS and moto")
struct WriteCacheS3StoreTests {
    @Test("a flush uploads a multipart data file and a one-PUT index, verified against the stored checksums", arguments: TestServer.allCases)
    func flushUploadsAndVerifies(server: TestServer) async throws {
        let store = try await server.store(for: "wc-flush")
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-wc")
        defer { try? LocalFiles.removeTree(directory) }
        let cache = try await makeCache(over: store, in: directory)
        defer { cache.fileCache.close() }
        let data = testBytes(count: 12 << 20, seed: 21)
        let index = testBytes(count: 40_000, seed: 22)
        let outcome = try await cache.writeAndUpload(Flush(region: 7, producer: FixedProducer(data: data, index: index)))
        #expect(outcome.files.count == 2)
        for (file, bytes) in zip(outcome.files, [data, index]) {
            #expect(try await store.readAll(key: file.remoteKey) == bytes)
            #expect(file.checksum != nil)
            #expect(try await store.stat(key: file.remoteKey).checksum == file.checksum)
            #expect(file.attempts == 1)
        }
        #expect(outcome.files[0].checksum?.algorithm == "sha256-composite")
        #expect(outcome.files[1].checksum == Checksum.sha256(of: index))
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        #expect(entries(directory + "/cache/tmp").isEmpty)
    }

    @Test("a file evicted locally downloads back from S3 with ranged reads, byte for byte", arguments: TestServer.allCases)
    func downloadAfterLocalRemoval(server: TestServer) async throws {
        let store = try await server.store(for: "wc-download")
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-wc")
        defer { try? LocalFiles.removeTree(directory) }
        let cache = try await makeCache(over: store, in: directory)
        defer { cache.fileCache.close() }
        let data = testBytes(count: (7 << 20) + 13, seed: 23)
        let flush = Flush(region: 8, producer: FixedProducer(data: data))
        let outcome = try await cache.writeAndUpload(flush)
        let key = outcome.files[0].key
        await cache.remove(region: 8, fileID: flush.fileID)
        #expect(!cache.fileCache.contains(key))
        #expect(try await cache.downloadIfAbsent(key))
        let cached = try Data(contentsOf: URL(fileURLWithPath: cache.fileCache.path(of: key)))
        #expect(Array(cached) == data)
        #expect(try await cache.read(key, range: 100..<200) == Array(data[100..<200]))
        #expect(cache.metrics.bytes.downloaded == UInt64(data.count))
        #expect(entries(directory + "/cache/tmp").isEmpty)
    }

    @Test("a producer failing after several parts leaves no object, no incomplete upload and no local file", arguments: TestServer.allCases)
    func failedFlushLeavesNothing(server: TestServer) async throws {
        let store = try await server.store(for: "wc-fail")
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-wc")
        defer { try? LocalFiles.removeTree(directory) }
        let cache = try await makeCache(over: store, in: directory)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 9, producer: FixedProducer(data: testBytes(count: 16 << 20, seed: 24), failAfterBytes: 12 << 20))
        await #expect(throws: WriteCacheError.self) { _ = try await cache.writeAndUpload(flush) }
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        #expect(entries(directory + "/cache/tmp").isEmpty)
        #expect(cache.fileCache.snapshot().isEmpty)
    }

    @Test("refused credentials fail the flush at once, without retries, leaving nothing and naming no secret")
    func refusedCredentialsFailWithoutRetry() async throws {
        let wrongSecret = "not-the-secret-\(UInt32.random(in: 1...UInt32.max))"
        let store = try await SharedSeaweedFS.store(for: "wc-denied") { $0.credentials.secretAccessKey = wrongSecret }
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-wc")
        defer { try? LocalFiles.removeTree(directory) }
        let cache = try await makeCache(over: store, in: directory)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 10, producer: FixedProducer(data: testBytes(count: 100_000, seed: 25)))
        let error = await #expect(throws: WriteCacheError.self) { _ = try await cache.writeAndUpload(flush) }
        #expect(error?.storeError?.code == .accessDenied)
        #expect(error?.isTransient == false)
        #expect(!"\(String(describing: error))".contains(wrongSecret))
        #expect(cache.metrics.operations[.upload]?.retried ?? 0 == 0)
        #expect(entries(directory + "/cache/tmp").isEmpty)
    }
}
