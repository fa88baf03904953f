import Foundation
import ObjectStore
import Platform
import Testing

/// A fresh directory with a file of `bytes` open for reading, and a path for a sink file.
private func withSource<T>(_ bytes: [UInt8], _ body: (LocalFile, String) async throws -> T) async throws -> T {
    let directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-range-test")
    defer { try? LocalFiles.removeTree(directory) }
    let created = try LocalFile.create(directory + "/source")
    try created.write(bytes, at: 0)
    created.close()
    let file = try LocalFile.openForReading(directory + "/source")
    defer { file.close() }
    return try await body(file, directory)
}

/// The range transfers every store offers: its own (S3, file system) or the default over the
/// writer and reader (memory).
@Suite("ObjectStore range transfers on every store")
struct StoreRangeTransferConformanceTests {
    @Test("a byte range of a local file uploads as an object, from empty to several parts",
          arguments: ["memory", "fs", "s3", "s3-moto"])
    func uploadRange(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        // 12 MiB + 3 from offset 3: three 5 MiB parts on S3, starting mid-file.
        let source = bytes((12 << 20) + 10, seed: 5)
        try await withSource(source) { file, _ in
            let ranges: [Range<UInt64>] = [0..<0, 0..<1, 17..<4113, 3..<(UInt64(12 << 20) + 3)]
            for (index, range) in ranges.enumerated() {
                let key = "range-up/\(index)"
                let info = try await store.upload(from: file, range: range, key: key, options: WriteOptions(partSize: 5 << 20, concurrency: 2))
                #expect(info.size == UInt64(range.count))
                let stored = try await store.stat(key: key)
                #expect(stored.size == UInt64(range.count))
                if let acknowledged = info.checksum, let reported = stored.checksum { #expect(acknowledged == reported) }
                #expect(try await store.readAll(key: key) == Array(source[Int(range.lowerBound)..<Int(range.upperBound)]), "range \(range)")
                try await store.delete(key: key)
            }
        }
    }

    @Test("a range past the local file's end fails with an io error and leaves nothing",
          arguments: ["memory", "fs", "s3", "s3-moto"])
    func uploadRangePastTheFile(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        try await withSource(bytes(1000)) { file, _ in
            do {
                _ = try await store.upload(from: file, range: 500..<1500, key: "range-up/short", options: WriteOptions())
                Issue.record("uploading past the file's end succeeded")
            } catch let error as ObjectStoreError {
                #expect(error.code == .io)
                #expect(error.message.contains("range-up/short") || error.message.contains("source"))
            }
            #expect(try await store.list(prefix: "range-up/short").isEmpty)
            #expect(try await store.incompleteUploads(prefix: "range-up/short").isEmpty)
        }
    }

    @Test("ranges of an object land in a local file at the given offsets, cut at the object's end",
          arguments: ["memory", "fs", "s3", "s3-moto"])
    func readRangesIntoFile(kind: String) async throws {
        let (store, cleanup) = try await makeStore(kind)
        defer { cleanup() }
        let object = bytes(100_000, seed: 7)
        try await store.put(key: "range-down/a", bytes: object)
        try await store.put(key: "range-down/empty", bytes: [])
        try await withSource([]) { _, directory in
            let path = directory + "/sink"
            let sink = try LocalFile.create(path)
            defer { sink.close() }
            #expect(try await store.read(key: "range-down/a", range: 0..<60_000, into: sink, at: 0) == 60_000)
            #expect(try await store.read(key: "range-down/a", range: 60_000..<100_000, into: sink, at: 60_000) == 40_000)
            // Past the end: cut there; at another offset of the file.
            #expect(try await store.read(key: "range-down/a", range: 90_000..<200_000, into: sink, at: 100_000) == 10_000)
            #expect(try await store.read(key: "range-down/a", range: 5..<5, into: sink, at: 0) == 0)
            #expect(try await store.read(key: "range-down/empty", range: 0..<10, into: sink, at: 0) == 0)
            let written = try LocalFile.openForReading(path)
            defer { written.close() }
            #expect(try written.size() == 110_000)
            #expect(try written.read(at: 0, count: 100_000) == object)
            #expect(try written.read(at: 100_000, count: 10_000) == Array(object[90_000...]))

            await #expect(throws: ObjectStoreError.self) {
                _ = try await store.read(key: "range-down/a", range: 100_001..<100_010, into: sink, at: 0)
            }
            do {
                _ = try await store.read(key: "range-down/missing", range: 0..<10, into: sink, at: 0)
                Issue.record("reading a missing object succeeded")
            } catch let error as ObjectStoreError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test("the file-system store's range upload commits by rename and leaves no temp file")
    func fileSystemRangeUploadLeavesNoTempFile() async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-range-fs")
        defer { try? LocalFiles.removeTree(root) }
        let store = try await FileSystemStore.open(root: root)
        let source = bytes(3 << 20, seed: 2)
        try await withSource(source) { file, _ in
            _ = try await store.upload(from: file, range: 1..<UInt64(3 << 20), key: "cfr/a", options: WriteOptions())
            #expect(try await store.readAll(key: "cfr/a") == Array(source[1...]))
            #expect(try await BlockingIO.run { try LocalFiles.listDirectory(store.temporaryDirectory) }.isEmpty)
        }
    }
}
