import Foundation
import ObjectStore
import Platform
import Testing

@Suite("S3Store uploads straight from local files")
struct S3StoreFileUploadTests {
    private func withFile(_ bytes: [UInt8], _ body: (String) async throws -> Void) async throws {
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-file")
        defer { try? LocalFiles.removeTree(directory) }
        let path = directory + "/payload.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try await body(path)
    }

    @Test("files of 0 B, 1 B, one part and several parts come back whole with the checksum stat reports", arguments: TestServer.allCases, [0, 1, 5 << 20, (17 << 20) + 3])
    func fileRoundTrip(server: TestServer, size: Int) async throws {
        let store = try await server.store(for: "file-\(size)")
        let bytes = testBytes(count: size, seed: UInt64(size) + 7)
        try await withFile(bytes) { path in
            let info = try await store.upload(file: path, key: "f.bin", options: WriteOptions(partSize: 5 << 20, concurrency: 2))
            #expect(info.size == UInt64(size))
            #expect(try await store.stat(key: "f.bin").checksum == info.checksum)
            #expect(try await store.read(key: "f.bin", range: 0..<UInt64(size)) == bytes)
            if size > 5 << 20 {
                #expect(info.checksum?.value.hasSuffix("-4") == true)
            } else {
                #expect(info.checksum == Checksum.sha256(of: bytes))
            }
        }
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
    }

    @Test("a missing file is a permanent io error that names the path, and nothing is created", arguments: TestServer.allCases)
    func missingFileIsIOError(server: TestServer) async throws {
        let store = try await server.store(for: "file-missing")
        let error = await #expect(throws: ObjectStoreError.self) {
            _ = try await store.upload(file: "/nonexistent/flushbench/file", key: "x")
        }
        #expect(error?.code == .io)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("/nonexistent/flushbench/file") == true)
        #expect(try await store.list(prefix: "").isEmpty)
    }

    @Test("cancelling a multipart upload from a file aborts it: no incomplete upload, no object", arguments: TestServer.allCases)
    func cancelledMultipartFromFileIsAborted(server: TestServer) async throws {
        let store = try await server.store(for: "file-cancel")
        let bytes = testBytes(count: 96 << 20, seed: 99)
        try await withFile(bytes) { path in
            let task = Task { try await store.upload(file: path, key: "big.bin", options: WriteOptions(partSize: 5 << 20, concurrency: 1)) }
            // Bounded wait until the multipart upload exists, so the cancellation hits it mid-way.
            var started = false
            for _ in 0..<500 where !started {
                started = try await !store.incompleteUploads(prefix: "").isEmpty
                if !started { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(started)
            task.cancel()
            let outcome = await task.result
            #expect(throws: ObjectStoreError.self) { try outcome.get() }
        }
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
    }
}
