import Foundation
import ObjectStore
import Platform
import Testing

@Suite("FileSystemObjectWriter clean-up in cancelled tasks")
struct FileSystemObjectWriterCancellationTests {
    @Test("an abort in a cancelled task removes the temp file and reports no failure")
    func cancelledAbortRemovesTempFile() async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-fs-cancel")
        defer { try? LocalFiles.removeTree(root) }
        let store = try await FileSystemStore.open(root: root)
        let writer = try await store.makeWriter(key: "a/b.bin", options: WriteOptions())
        try await writer.write(Array(repeating: 7, count: 4096))
        #expect(try LocalFiles.listDirectory(store.temporaryDirectory).count == 1)
        await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await writer.abort()
        }.value
        #expect(writer.abortFailure == nil, "\(String(describing: writer.abortFailure))")
        #expect(try LocalFiles.listDirectory(store.temporaryDirectory).isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
    }

    @Test("a close in a cancelled task fails as cancelled and leaves no temp file and no object")
    func cancelledCloseLeavesNothing() async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-fs-cancel")
        defer { try? LocalFiles.removeTree(root) }
        let store = try await FileSystemStore.open(root: root)
        let writer = try await store.makeWriter(key: "c.bin", options: WriteOptions())
        try await writer.write(Array(repeating: 7, count: 4096))
        let outcome = await Task { () -> ObjectStoreError? in
            withUnsafeCurrentTask { $0?.cancel() }
            do throws(ObjectStoreError) {
                _ = try await writer.close()
                return nil
            } catch {
                return error
            }
        }.value
        #expect(outcome?.code == .cancelled)
        #expect(try LocalFiles.listDirectory(store.temporaryDirectory).isEmpty)
        #expect(try await store.list(prefix: "").isEmpty)
    }
}
