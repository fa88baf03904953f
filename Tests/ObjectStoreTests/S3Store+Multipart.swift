import Foundation
@testable import ObjectStore
import Platform
import Synchronization
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

    @Test("a create whose reply was lost leaves no incomplete upload once the write fails, and the retry lands alone",
          arguments: TestServer.allCases)
    func lostCreateReplyIsFoundAndAborted(server: TestServer) async throws {
        let store = try await server.store(for: "lost-create")
        store.injectedFaults.withLock { $0.lostCreateReplies = 1 }
        let options = WriteOptions(partSize: 5 << 20, concurrency: 2)
        let writer = try await store.makeWriter(key: "k.bin", options: options)
        let error = await #expect(throws: ObjectStoreError.self) { try await writer.write(testBytes(count: 11 << 20, seed: 8)) }
        #expect(error?.code == .connection)
        #expect(writer.abortFailure == nil)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty, "the upload whose create reply was lost was left behind")
        // The retry succeeds and is the only thing on the store.
        let retried = try await store.put(key: "k.bin", bytes: testBytes(count: 11 << 20, seed: 8), options: options)
        #expect(retried.size == 11 << 20)
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
    }

    @Test("a file upload whose create reply was lost leaves no incomplete upload", arguments: TestServer.allCases)
    func lostCreateReplyOfFileUploadIsAborted(server: TestServer) async throws {
        let store = try await server.store(for: "lost-create-file")
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-lost")
        defer { try? LocalFiles.removeTree(directory) }
        try Data(testBytes(count: 11 << 20, seed: 9)).write(to: URL(fileURLWithPath: directory + "/f"))
        store.injectedFaults.withLock { $0.lostCreateReplies = 1 }
        await #expect(throws: ObjectStoreError.self) {
            _ = try await store.upload(file: directory + "/f", key: "f.bin", options: WriteOptions(partSize: 5 << 20))
        }
        #expect(try await store.incompleteUploads(prefix: "").isEmpty)
    }

    @Test("uploads that cannot be aborted are surfaced with their ids, by the writer and by the file upload",
          arguments: TestServer.allCases)
    func unabortableUploadsAreSurfacedWithIDs(server: TestServer) async throws {
        let store = try await server.store(for: "unabortable")
        let writer = try await store.makeWriter(key: "w.bin", options: WriteOptions(partSize: 5 << 20))
        try await writer.write(testBytes(count: 6 << 20, seed: 10))
        let started = try await store.incompleteUploads(prefix: "")
        #expect(started.map(\.key) == ["w.bin"])
        store.injectedFaults.withLock { $0.failingAborts = .max }
        await writer.abort()
        #expect(writer.abortFailure?.leftovers?.uploads == started)
        #expect(writer.abortFailure?.leftovers?.mayHaveMore == false)

        // A file upload that fails (a lost create reply), with aborts failing too.
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-s3-unabortable")
        defer { try? LocalFiles.removeTree(directory) }
        try Data(testBytes(count: 11 << 20, seed: 11)).write(to: URL(fileURLWithPath: directory + "/f"))
        store.injectedFaults.withLock { $0.lostCreateReplies = 1 }
        let error = await #expect(throws: ObjectStoreError.self) {
            _ = try await store.upload(file: directory + "/f", key: "f.bin", options: WriteOptions(partSize: 5 << 20))
        }
        let left = try await store.incompleteUploads(prefix: "f.bin")
        #expect(left.count == 1)
        #expect(error?.leftovers?.uploads == left)

        store.injectedFaults.withLock { $0.failingAborts = 0 }
        for upload in try await store.incompleteUploads(prefix: "") { try await store.abortIncompleteUpload(upload) }
    }
}

@Suite("S3ObjectWriter when an abort races its close")
struct S3ObjectWriterAbortRaceTests {
    @Test("an abort while close waits for the parts ends the close with an error, never a crash, and leaves nothing",
          arguments: TestServer.allCases)
    func abortDuringCloseFailsTheClose(server: TestServer) async throws {
        let store = try await server.store(for: "abort-race")
        for round in 0..<4 {
            let writer = try await store.makeWriter(key: "race-\(round).bin", options: WriteOptions(partSize: 5 << 20, concurrency: 4))
            try await writer.write(testBytes(count: 20 << 20, seed: UInt64(round)))
            // close waits for four parts in flight; the abort (a caller that gave up on the close,
            // as a run's deadline does) takes them from under it.
            let closing = Task { try await writer.close() }
            try await Task.sleep(for: .milliseconds(UInt64(round) * 5))
            await writer.abort()
            let outcome = await closing.result
            if case .success = outcome {
                // The close won the race: the object is whole.
                #expect(try await store.stat(key: "race-\(round).bin").size == 20 << 20)
                try await store.delete(key: "race-\(round).bin")
            }
        }
        #expect(try await store.incompleteUploads(prefix: "race-").isEmpty)
        #expect(try await store.list(prefix: "race-").isEmpty)
    }
}
