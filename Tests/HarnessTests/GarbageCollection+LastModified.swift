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
    /// old one. `truncation` is how much older the store may make an object look (whole-second
    /// LastModified). When gc's listing came too late after the fresh write to tell the two apart
    /// (a loaded machine), it tries again with twice the room.
    func oldGoesFreshStays(_ store: any ObjectStore, prefix: String, gap: Duration, truncation: Duration) async throws {
        for attempt in 0..<3 {
            let gap = gap * (1 << attempt)
            let grace = gap - truncation
            let base = prefix + "\(attempt)/"
            _ = try await store.put(key: base + "1/old.parquet", bytes: [1, 2, 3])
            try await Task.sleep(for: gap)
            let freshWritten = ContinuousClock.now
            _ = try await store.put(key: base + "1/fresh.parquet", bytes: [4, 5, 6])
            let listed = try await store.list(prefix: base)
            #expect(listed.allSatisfy { $0.lastModified != nil }, "the listing carries last-modified: \(listed)")
            let report = await GarbageCollection.run(.init(store: store, prefix: base, manifest: [], grace: grace, writerIsDead: false),
                                                     dryRun: false)
            if ContinuousClock.now - freshWritten + truncation >= grace { continue }
            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(report.deleted == [base + "1/old.parquet"])
            #expect(report.tooYoung == [base + "1/fresh.parquet"])
            #expect(try await store.list(prefix: base).map(\.key) == [base + "1/fresh.parquet"])
            return
        }
        Issue.record("the machine was too slow to tell a fresh object from an old one three times over")
    }

    @Test("on SeaweedFS (S3 LastModified) a fresh unknown object is kept and an old one removed")
    func s3() async throws {
        let server = try await GraceServer.server.value
        // LastModified has whole seconds: an object may look up to a second older than it is.
        try await oldGoesFreshStays(S3Store(configuration: server.configuration), prefix: "grace-\(UUID().uuidString.prefix(8))/",
                                    gap: .seconds(4), truncation: .seconds(1))
    }

    @Test("on the fs store (file time) and the memory store (its clock) too", arguments: ["fs", "memory"])
    func local(kind: String) async throws {
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-gc-grace")
        defer { try? LocalFiles.removeTree(root) }
        let store: any ObjectStore = kind == "fs" ? try await FileSystemStore.open(root: root) : MemoryStore()
        try await oldGoesFreshStays(store, prefix: "p/", gap: .seconds(2), truncation: .milliseconds(10))
    }
}
