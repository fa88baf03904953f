import Foundation
import ObjectStore
import Platform
import SSTFormat
import Testing
@testable import WriteCache

@Suite("WriteCache on a failing local disk: ENOSPC and EIO fail the flush cleanly")
struct WriteCacheLocalFaultTests {
    /// A write cache over memory whose disk fails as `rules` say.
    func open(_ rules: [LocalFaultRule], memory: InMemoryFileSystem, store: MemoryStore) async throws -> WriteCache {
        let fs = FaultyFileSystem(base: memory, rules: rules, seed: 5)
        let cache = try await FileCache.open(FileCacheConfiguration(directory: "/cache", timeSource: ManualTimeSource(), fileSystem: fs))
        return WriteCache(fileCache: cache, store: store,
                          configuration: WriteCacheConfiguration(partSize: 64 << 10, remotePrefix: "sst/"), timeSource: ManualTimeSource())
    }

    @Test("a full disk fails the flush with an io error whose cause is no_space; nothing leaks; cached files are still read; the acknowledged flush stays",
          arguments: [LocalFaultRule.Operation.write, .fsync])
    func diskFullFailsCleanly(operation: LocalFaultRule.Operation) async throws {
        let memory = InMemoryFileSystem()
        let store = MemoryStore()
        // Files of region 2 hit the disk error; region 1's flush goes through first.
        let cache = try await open([LocalFaultRule(operation: operation, kind: .enospc, pathContains: "/2.")], memory: memory, store: store)
        defer { cache.fileCache.close() }
        let kept = wholeFile(.parquet, size: 90_000)
        let acknowledged = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: kept, index: wholeFile(.puffin, size: 400))))
        do {
            _ = try await cache.writeAndUpload(Flush(region: 2, producer: BytesProducer(data: wholeFile(.parquet, size: 90_000))))
            Issue.record("a flush on a full disk succeeded")
        } catch {
            #expect(error.code == .io)
            #expect((error.cause as? LocalFileError)?.code == .noSpace, "\(error)")
        }
        #expect(try memory.listDirectory("/cache/tmp") == [], "no temp file is left")
        #expect(memory.openHandles() == [.init(path: "/cache/LOCK", isLock: true)], "no descriptor is left open")
        #expect(memory.files().filter { $0.contains("/2.") } == [], "nothing of the failed flush is cached")
        let remote = try await store.list(prefix: "sst/").map(\.key).sorted()
        #expect(remote == acknowledged.files.map(\.remoteKey).sorted(), "only the acknowledged objects are on the remote")
        #expect(try await store.readAll(key: acknowledged.files[0].remoteKey) == kept)
        #expect(try await cache.read(acknowledged.files[0].key, range: 10..<20) == Array(kept[10..<20]))
        #expect(cache.fileCache.contains(acknowledged.files[0].key), "the read was served by the cache")
    }
}
