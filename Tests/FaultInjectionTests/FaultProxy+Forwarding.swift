import FaultInjection
import Foundation
import ObjectStore
import Testing

/// With no rule firing, the proxy is invisible: every S3 operation the store uses works through
/// it, bodies arrive whole, SigV4 signatures stay valid.
@Suite("Fault proxy: forwarding", .serialized)
struct FaultProxyForwardingTests {
    @Test func everyStoreOperationWorksThroughTheProxyWithAnEmptyPlan() async throws {
        let proxied = try await ProxiedStore.make("forward")
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        let small = patternBytes(100_000)
        let put = try await store.put(key: "a/small.bin", bytes: small)
        #expect(put.size == 100_000)
        // A multipart upload: CreateMultipartUpload, UploadPart x3, CompleteMultipartUpload.
        let large = patternBytes(12 << 20, seed: 9)
        let info = try await store.put(key: "a/large.bin", bytes: large, options: WriteOptions(expectedSize: UInt64(large.count), partSize: 5 << 20, concurrency: 3))
        #expect(info.size == UInt64(large.count))
        #expect(try await store.readAll(key: "a/large.bin") == large)
        #expect(try await store.read(key: "a/large.bin", range: 7_000_000..<7_000_100) == Array(large[7_000_000..<7_000_100]))
        let stat = try await store.stat(key: "a/large.bin")
        #expect(stat.size == UInt64(large.count) && stat.checksum == info.checksum)
        #expect(try await store.list(prefix: "a/").map(\.key) == ["a/large.bin", "a/small.bin"])
        try await store.delete(key: "a/small.bin")
        try await store.delete(key: "a/large.bin")
        #expect(try await store.list(prefix: "a/").isEmpty)
        #expect(proxied.trace.count == 0)
    }

    @Test func bodiesStreamWithBackPressureWhenOneSideIsSlower() async throws {
        // The proxy paces both bodies at 16 MiB/s, slower than libcurl sends and SeaweedFS
        // answers: without back-pressure it would read them whole into its queues.
        let proxied = try await ProxiedStore.make("stream", faults: """
            [{ "layer": "network", "op": "*", "kind": "bandwidth", "bytesPerSecond": "16MiB" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let bytes = patternBytes(24 << 20, seed: 3)
        _ = try await proxied.store.put(key: "big", bytes: bytes, options: WriteOptions(expectedSize: UInt64(bytes.count), partSize: 32 << 20))
        #expect(try await proxied.store.readAll(key: "big") == bytes)
        #expect(proxied.proxy.peakQueuedBytes > 0)
        #expect(proxied.proxy.peakQueuedBytes < 1 << 20, "\(proxied.proxy.peakQueuedBytes) bytes queued at once")
    }

    @Test func requestsAreClassifiedIntoS3Operations() {
        func op(_ method: String, _ uri: String, range: String? = nil) -> String {
            let target = S3RequestTarget.classify(method: method, uri: uri, range: range, bucket: "b", keyPrefix: "p/")
            return "\(target.operation?.rawValue ?? "none") \(target.key) \(target.part)"
        }
        #expect(op("PUT", "http://127.0.0.1:1/b/p/k%20x.parquet") == "PutObject k x.parquet 0")
        #expect(op("PUT", "/b/p/k?partNumber=3&uploadId=U") == "UploadPart k 3")
        #expect(op("POST", "/b/p/k?uploads=") == "CreateMultipartUpload k 0")
        #expect(op("POST", "/b/p/k?uploadId=U") == "CompleteMultipartUpload k 0")
        #expect(op("GET", "/b/p/k", range: "bytes=4096-8191") == "GetObject k 4096")
        #expect(op("HEAD", "/b/p/k") == "HeadObject k 0")
        #expect(op("DELETE", "/b/p/k") == "DeleteObject k 0")
        #expect(op("DELETE", "/b/p/k?uploadId=U") == "AbortMultipartUpload k 0")
        #expect(op("GET", "/b?list-type=2&prefix=p%2Fdir%2F") == "ListObjectsV2 dir/ 0")
        #expect(op("GET", "/b?uploads=&prefix=p%2F") == "none  0")
        #expect(op("PUT", "/b") == "none  0")
        #expect(op("PUT", "/other/p/k") == "none  0")
    }
}
