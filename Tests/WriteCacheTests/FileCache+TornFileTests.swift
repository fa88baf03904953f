import Foundation
import Platform
import Testing
@testable import WriteCache

@Suite("FileCache recovery of torn files and the persisted orphan ledger")
struct FileCacheTornFileTests {
    @Test("recovery removes and counts files cut short or without their footer, and indexes whole ones", arguments: FileType.allCases)
    func tornFilesAreRemovedAndCounted(type: FileType) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        let whole = key(1, type), cut = key(2, type), noMagic = key(3, type), tiny = key(4, type), lying = key(5, type)
        let bytes = wholeFile(type, size: 300)
        try Data(bytes).write(to: URL(fileURLWithPath: cacheDir + "/" + whole.fileName))
        try Data(bytes.prefix(200)).write(to: URL(fileURLWithPath: cacheDir + "/" + cut.fileName))
        try Data(pattern(300)).write(to: URL(fileURLWithPath: cacheDir + "/" + noMagic.fileName))
        try Data(bytes.prefix(6)).write(to: URL(fileURLWithPath: cacheDir + "/" + tiny.fileName))
        var claims = bytes // a footer length larger than the file
        claims[claims.count - (type == .parquet ? 8 : 12)] = 0xFF
        claims[claims.count - (type == .parquet ? 7 : 11)] = 0xFF
        try Data(claims).write(to: URL(fileURLWithPath: cacheDir + "/" + lying.fileName))
        let cache = try await openCache(dir)
        defer { cache.close() }
        #expect(cache.snapshot() == [whole: 300])
        #expect(cache.recovery.removedTorn == 4)
        #expect(cache.recovery.tornNames.count == 4)
        #expect(cache.recovery.foreignEntries == 0)
        #expect(dir.list("cache").sorted() == [whole.fileName, "LOCK", "tmp"].sorted())
    }

    @Test("an orphan recorded by one process is known to the next, and its ledger is not a foreign entry")
    func ledgerSurvivesReopen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try await openCache(dir)
        let orphans = KnownOrphans(ledger: first.orphanLedger)
        await orphans.recordDurably(KnownOrphan(key: "a/1.parquet", reason: "delete failed", code: "InternalError"))
        await orphans.recordDurably(KnownOrphan(key: "a/2.parquet", reason: "abort failed", code: "InternalError", uploadId: "u1"))
        await orphans.resolveDurably(key: "a/2.parquet", uploadId: "u1")
        first.close()
        let second = try await openCache(dir)
        #expect(second.recovery.knownOrphans == 1)
        #expect(second.recovery.foreignEntries == 0)
        #expect(second.orphanLedger.recovered.map(\.key) == ["a/1.parquet"])
        await KnownOrphans(ledger: second.orphanLedger).acknowledgeDurably(key: "a/1.parquet")
        second.close()
        let third = try await openCache(dir)
        defer { third.close() }
        #expect(third.recovery.knownOrphans == 0)
        #expect(!dir.list("cache").contains(OrphanLedger.fileName), "an empty ledger is removed")
    }
}
