import Foundation
import Harness
import ObjectStore
import Platform
import Servers
import Testing

/// One SeaweedFS for the gc grace tests.
private enum GraceServer {
    static let server = Task<SeaweedFS, any Error> { try await SeaweedFS.start(bucket: "grace") }
}

@Suite("gc's grace period is measured from the listing's last-modified time", .serialized)
struct GarbageCollectionLastModifiedTests {
    /// Writes an old unknown object, waits `gap`, writes a fresh one, and runs gc with a grace
    /// period between their ages. The writer is not proven dead, so only a real age can take the
    /// old one.
    func oldGoesFreshStays(_ store: any ObjectStore, prefix: String, gap: Duration = .milliseconds(2_500),
                           grace: Duration = .milliseconds(1_500)) async throws {
        _ = try await store.put(key: prefix + "1/old.parquet", bytes: [1, 2, 3])
        try await Task.sleep(for: gap)
        _ = try await store.put(key: prefix + "1/fresh.parquet", bytes: [4, 5, 6])
        let listed = try await store.list(prefix: prefix)
        #expect(listed.allSatisfy { $0.lastModified != nil }, "the listing carries last-modified: \(listed)")
        let report = await GarbageCollection.run(.init(store: store, prefix: prefix, manifest: [], grace: grace,
                                                       writerIsDead: false), dryRun: false)
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.deleted == [prefix + "1/old.parquet"])
        #expect(report.tooYoung == [prefix + "1/fresh.parquet"])
        #expect(try await store.list(prefix: prefix).map(\.key) == [prefix + "1/fresh.parquet"])
    }

    @Test("on SeaweedFS (S3 LastModified) a fresh unknown object is kept and an old one removed")
    func s3() async throws {
        let server = try await GraceServer.server.value
        // LastModified has whole seconds, and a loaded machine can take seconds between the
        // fresh object's write and gc's listing: a wide margin on both sides of the grace.
        try await oldGoesFreshStays(S3Store(configuration: server.configuration), prefix: "grace-\(UUID().uuidString.prefix(8))/",
                                    gap: .seconds(8), grace: .seconds(5))
    }

    @Test("on the fs store (file time) and the memory store (its clock) too", arguments: ["fs", "memory"])
    func local(kind: String) async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-gc-grace")
        defer { try? LocalFiles.removeTree(root) }
        let store: any ObjectStore = kind == "fs" ? try await FileSystemStore.open(root: root) : MemoryStore()
        try await oldGoesFreshStays(store, prefix: "p/")
    }
}
