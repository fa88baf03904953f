import ObjectStore
import Testing

@Suite("S3Store multipart clean-up against SeaweedFS and moto")
struct S3StoreMultipartTests {
    @Test("an aborted multipart upload leaves no incomplete upload and no object", arguments: TestServer.allCases)
    func abortLeavesNothing(server: TestServer) async throws {
        let store = try await server.store(for: "abort")
        let writer = try await store.makeWriter(key: "part/ial.bin", options: WriteOptions(partSize: 5 << 20, concurrency: 2))
        try await writer.write(testBytes(count: 11 << 20, seed: 3))
        let pending = try await store.incompleteUploads(prefix: "part/")
        #expect(pending.map(\.key) == ["part/ial.bin"])
        await writer.abort()
        #expect(writer.abortFailure == nil)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
        await #expect(throws: ObjectStoreError.self) { try await writer.write([1]) }
    }

    @Test("an incomplete upload found by listing can be aborted", arguments: TestServer.allCases)
    func incompleteUploadCanBeAbortedByID(server: TestServer) async throws {
        let store = try await server.store(for: "orphan")
        let writer = try await store.makeWriter(key: "orphan.bin", options: WriteOptions(partSize: 5 << 20))
        try await writer.write(testBytes(count: 6 << 20, seed: 4))
        let found = try await store.incompleteUploads(prefix: "")
        #expect(found.count == 1)
        for upload in found { try await store.abortIncompleteUpload(upload) }
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        await writer.abort()
    }

    @Test("cancelling the writing task stops the upload and leaves no incomplete upload", arguments: TestServer.allCases)
    func cancellationAbortsUpload(server: TestServer) async throws {
        let store = try await server.store(for: "cancel")
        let task = Task {
            let writer = try await store.makeWriter(key: "c.bin", options: WriteOptions(partSize: 5 << 20, concurrency: 2))
            do {
                for round in 0..<400 {
                    try await writer.write(testBytes(count: 1 << 20, seed: UInt64(round)))
                }
                _ = try await writer.close()
            } catch {
                await writer.abort()
                throw error
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let outcome = await task.result
        #expect(throws: ObjectStoreError.self) { try outcome.get() }
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
    }
}
