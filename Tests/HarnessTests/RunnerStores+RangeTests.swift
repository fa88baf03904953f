import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import Harness

/// A memory store that counts the range transfers reaching its own implementation.
private final class RangeCountingStore: ObjectStore {
    let inner = MemoryStore()
    let rangeCalls = Mutex(0)
    var kind: String { "counting" }
    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try await inner.makeWriter(key: key, options: options)
    }
    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] { try await inner.read(key: key, range: range) }
    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo { try await inner.stat(key: key) }
    func delete(key: String) async throws(ObjectStoreError) { try await inner.delete(key: key) }
    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] { try await inner.list(prefix: prefix) }
    func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        rangeCalls.withLock { $0 += 1 }
        return try await inner.upload(from: file, range: range, key: key, options: options)
    }
    func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        rangeCalls.withLock { $0 += 1 }
        return try await inner.read(key: key, range: range, into: file, at: offset)
    }
}

@Suite("The runner's store wrappers keep the range path")
struct RunnerStoresRangeTests {
    @Test("range transfers pass through the run-prefix and deadline wrappers to the store's own, under the run's key")
    func wrappersForwardRangeTransfers() async throws {
        let counting = RangeCountingStore()
        let keys = RunKeys(basePrefix: "base/", runID: RunID.make())
        let store = DeadlineStore(wrapping: RunPrefixedStore(wrapping: counting, keys: keys), deadline: RunDeadline(.now + .seconds(600)))
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "runner-range")
        defer { try? LocalFiles.removeTree(directory) }
        let source = try LocalFile.create(directory + "/source")
        try source.write(Array(repeating: 7, count: 5000), at: 0)
        source.close()
        let file = try LocalFile.openForReading(directory + "/source")
        defer { file.close() }
        let info = try await store.upload(from: file, range: 1000..<5000, key: "base/1/a.parquet", options: WriteOptions())
        #expect(info.key == "base/1/a.parquet" && info.size == 4000)
        #expect(try await counting.inner.stat(key: keys.realKey("base/1/a.parquet")).size == 4000)
        let sink = try LocalFile.create(directory + "/sink")
        defer { sink.close() }
        #expect(try await store.read(key: "base/1/a.parquet", range: 0..<4000, into: sink, at: 0) == 4000)
        #expect(counting.rangeCalls.withLock { $0 } == 2)
    }
}
