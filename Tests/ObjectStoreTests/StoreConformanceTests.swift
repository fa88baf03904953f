import Foundation
import ObjectStore
import Platform
import Testing

/// A store of `kind` in a fresh temp directory (for `fs`); `cleanup` removes it.
func makeStore(_ kind: String) async throws -> (store: any ObjectStore, cleanup: @Sendable () -> Void) {
    switch kind {
    case "fs":
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-store-test")
        return (try await FileSystemStore.open(root: root), { try? LocalFiles.removeTree(root) })
    case "s3":
        return (try await TestServer.seaweedfs.store(for: "conformance"), {})
    case "s3-moto":
        return (try await TestServer.moto.store(for: "conformance"), {})
    default:
        return (MemoryStore(), {})
    }
}

func bytes(_ count: Int, seed: Int = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ seed) }
}

@Suite("ObjectStore behaviour shared by the memory, file-system and S3 stores")
struct StoreConformanceTests {
    @Test("objects round-trip whole, from 0 bytes to several chunks", arguments: ["memory", "fs", "s3", "s3-moto"])
    func roundTrip(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        for size in [0, 1, 4095, 100_000] {
            let data = bytes(size, seed: size)
            let writer = try await store.makeWriter(key: "rt/\(size)", options: WriteOptions())
            var offset = 0
            while offset < size {
                let end = min(offset + 30_000, size)
                try await writer.write(Array(data[offset..<end]))
                offset = end
            }
            let info = try await writer.close()
            #expect(info.size == UInt64(size))
            #expect(try await store.readAll(key: "rt/\(size)") == data)
            #expect(try await store.stat(key: "rt/\(size)").size == UInt64(size))
        }
    }

    @Test("ranged reads honour their edges and cut at the end", arguments: ["memory", "fs", "s3", "s3-moto"])
    func rangedReads(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let data = bytes(1000)
        try await store.put(key: "r/obj", bytes: data)
        #expect(try await store.read(key: "r/obj", range: 0..<1) == [data[0]])
        #expect(try await store.read(key: "r/obj", range: 999..<1000) == [data[999]])
        #expect(try await store.read(key: "r/obj", range: 990..<5000) == Array(data[990...]))
        #expect(try await store.read(key: "r/obj", range: 10..<10).isEmpty)
        await #expect {
            _ = try await store.read(key: "r/obj", range: 1001..<1002)
        } throws: { ($0 as? ObjectStoreError)?.code == .invalidRange }
    }

    @Test("nothing is visible before close, and abort discards everything", arguments: ["memory", "fs", "s3", "s3-moto"])
    func abortDiscards(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let writer = try await store.makeWriter(key: "a/b", options: WriteOptions())
        try await writer.write(bytes(100))
        await #expect { _ = try await store.stat(key: "a/b") } throws: { ($0 as? ObjectStoreError)?.code == .notFound }
        await writer.abort()
        #expect(writer.abortFailure == nil)
        #expect(try await store.list(prefix: "").isEmpty)
        await #expect(throws: ObjectStoreError.self) { try await writer.write([1]) }
        if let fs = store as? FileSystemStore {
            #expect(try LocalFiles.listDirectory(fs.temporaryDirectory).isEmpty)
        }
    }

    @Test("list returns the keys under a prefix, sorted; delete is idempotent", arguments: ["memory", "fs", "s3", "s3-moto"])
    func listAndDelete(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        for key in ["b/2", "a/1", "a/sub/3", "c"] {
            try await store.put(key: key, bytes: bytes(3))
        }
        #expect(try await store.list(prefix: "").map(\.key) == ["a/1", "a/sub/3", "b/2", "c"])
        #expect(try await store.list(prefix: "a/").map(\.key) == ["a/1", "a/sub/3"])
        #expect(try await store.list(prefix: "a/s").map(\.key) == ["a/sub/3"])
        try await store.delete(key: "a/sub/3")
        try await store.delete(key: "a/sub/3")
        try await store.delete(key: "never/was")
        #expect(try await store.list(prefix: "a").map(\.key) == ["a/1"])
        await #expect { _ = try await store.readAll(key: "a/sub/3") } throws: { ($0 as? ObjectStoreError)?.code == .notFound }
    }

    @Test("keys that could escape the root are rejected with a clear error",
          arguments: ["memory", "fs", "s3", "s3-moto"], ["../etc/passwd", "/abs", "a/../../b", "a//b", "a/./b", "nul\u{0}byte", "", "trailing/"])
    func escapingKeysAreRejected(kind: String, key: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        await #expect {
            _ = try await store.makeWriter(key: key, options: WriteOptions())
        } throws: { error in
            guard let error = error as? ObjectStoreError else { return false }
            return error.code == .invalidKey && error.message.contains("rejected key")
        }
        await #expect(throws: ObjectStoreError.self) { _ = try await store.read(key: key, range: 0..<1) }
        await #expect(throws: ObjectStoreError.self) { try await store.delete(key: key) }
    }

    @Test("the memory store keeps a SHA-256 checksum that stat and close agree on")
    func memoryChecksums() async throws {
        let store = MemoryStore()
        let info = try await store.put(key: "k", bytes: bytes(5000))
        #expect(info.checksum == Checksum.sha256(of: bytes(5000)))
        #expect(try await store.stat(key: "k").checksum == info.checksum)
    }

    @Test("the file-system store sweeps stale temp files when it opens")
    func fileSystemStoreSweepsTempFiles() async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-store-test")
        defer { try? LocalFiles.removeTree(root) }
        let store = try await FileSystemStore.open(root: root)
        let writer = try await store.makeWriter(key: "x/y", options: WriteOptions())
        try await writer.write(bytes(10))
        #expect(try LocalFiles.listDirectory(store.temporaryDirectory).count == 1)
        // A crash leaves the temp file; the next open removes it.
        let reopened = try await FileSystemStore.open(root: root)
        #expect(try LocalFiles.listDirectory(reopened.temporaryDirectory).isEmpty)
        #expect(try await reopened.list(prefix: "").isEmpty)
    }

    @Test("the file-system store commits by rename: the object's file appears only at close")
    func fileSystemStoreCommitsAtomically() async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-store-test")
        defer { try? LocalFiles.removeTree(root) }
        let store = try await FileSystemStore.open(root: root)
        let writer = try await store.makeWriter(key: "deep/er/key", options: WriteOptions())
        try await writer.write(bytes(10))
        #expect(try LocalFiles.status(store.path(of: "deep/er/key")) == nil)
        _ = try await writer.close()
        #expect(try LocalFiles.status(store.path(of: "deep/er/key"))?.size == 10)
        #expect(try LocalFiles.listDirectory(store.temporaryDirectory).isEmpty)
        try await store.delete(key: "deep/er/key")
        #expect(try LocalFiles.listDirectory(store.objectsDirectory).isEmpty, "empty parent directories are removed")
    }

    @Test("store errors classify transient and permanent codes")
    func errorClassification() {
        for code: ObjectStoreError.Code in [.slowDown, .internalError, .serviceUnavailable, .requestTimeout, .tooManyRequests, .connection, .timeout] {
            #expect(ObjectStoreError(code: code, operation: .write, key: "k", message: "m").isTransient)
        }
        for code: ObjectStoreError.Code in [.accessDenied, .notFound, .noSuchBucket, .invalidArgument, .invalidKey, .badDigest] {
            #expect(!ObjectStoreError(code: code, operation: .write, key: "k", message: "m").isTransient)
        }
    }
}
