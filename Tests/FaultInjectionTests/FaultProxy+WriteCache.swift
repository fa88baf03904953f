import FaultInjection
import Foundation
import ObjectStore
import Platform
import SSTFormat
import Testing
import WriteCache

/// An SST producer that writes fixed bytes in 1 MiB chunks.
private struct BytesProducer: SSTProducer {
    var data: [UInt8]
    var index: [UInt8]

    func produce(data dataSink: any ByteSink, index indexSink: any ByteSink) async throws -> SSTSummary {
        var offset = 0
        while offset < data.count {
            let end = min(offset + (1 << 20), data.count)
            try await dataSink.write(Array(data[offset..<end]))
            offset = end
        }
        try await indexSink.write(index)
        return SSTSummary(rows: UInt64(data.count / 8))
    }
}

/// The write cache over the real S3 client meeting network faults: transient ones are retried
/// within the policy, permanent ones are not, and a failed multipart upload is aborted.
@Suite("Fault proxy: the write cache's retries and aborts", .serialized)
struct FaultProxyWriteCacheTests {
    /// Parts go one at a time (`uploadConcurrency` 1): which parts a failing attempt still sends
    /// then does not depend on timing, nor do the attempts.
    func withCache(_ test: String, faults: String, _ body: (WriteCache, ProxiedStore) async throws -> Void) async throws {
        let proxied = try await ProxiedStore.make(test, faults: faults)
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-proxy-wc")
        let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory + "/cache", capacity: 1 << 30))
        let cache = WriteCache(fileCache: fileCache, store: proxied.store, configuration: WriteCacheConfiguration(
            partSize: 5 << 20, uploadConcurrency: 1, downloadChunkSize: 3 << 20, downloadConcurrency: 4,
            retry: RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(20)), remotePrefix: "sst/"))
        do {
            try await body(cache, proxied)
        } catch {
            fileCache.close()
            await proxied.proxy.stop()
            try? LocalFiles.removeTree(directory)
            throw error
        }
        fileCache.close()
        await proxied.proxy.stop()
        try? LocalFiles.removeTree(directory)
    }

    @Test func resetPartsAndLostAcknowledgementsAreRetriedAndTheFlushLandsWhole() async throws {
        try await withCache("wc-transient", faults: """
            [{ "layer": "network", "op": "UploadPart", "kind": "partial", "afterBytes": "1MiB", "nth": [1], "path": "*.parquet" },
             { "layer": "network", "op": "PutObject", "kind": "ackLost", "nth": [1] }]
            """) { cache, proxied in
            let data = patternBytes(12 << 20, seed: 5)
            let index = patternBytes(30_000, seed: 6)
            let outcome = try await cache.writeAndUpload(Flush(region: 3, producer: BytesProducer(data: data, index: index)))
            // Parts 5, 5 and 2 MiB: each is reset on its first try, one upload attempt after
            // another (the fourth goes through); the index's first PUT is committed but its
            // acknowledgement lost.
            #expect(outcome.files.map(\.attempts) == [4, 2])
            for (file, bytes) in zip(outcome.files, [data, index]) {
                #expect(try await proxied.store.readAll(key: file.remoteKey) == bytes)
            }
            #expect(try await proxied.store.incompleteUploads(prefix: "").isEmpty)
            let kinds = proxied.trace.records().map(\.kind)
            #expect(kinds.filter { $0 == .partial }.count == 3 && kinds.filter { $0 == .ackLost }.count == 1, "\(kinds)")
        }
    }

    @Test func aPermanentErrorIsNotRetriedAndTheMultipartUploadIsAborted() async throws {
        try await withCache("wc-permanent", faults: """
            [{ "layer": "network", "op": "UploadPart", "kind": "error", "error": "AccessDenied", "nth": [1], "path": "*.parquet" }]
            """) { (cache: WriteCache, proxied: ProxiedStore) async throws in
            let data = patternBytes(12 << 20, seed: 7)
            await #expect(throws: (any Error).self) {
                _ = try await cache.writeAndUpload(Flush(region: 4, producer: BytesProducer(data: data, index: [1, 2, 3])))
            }
            // One attempt per part, none retried; the upload it belonged to is gone.
            #expect(proxied.trace.records().allSatisfy { $0.attempt == 1 })
            #expect(try await proxied.store.incompleteUploads(prefix: "").isEmpty)
            #expect(try await proxied.store.list(prefix: "").isEmpty)
        }
    }
}
