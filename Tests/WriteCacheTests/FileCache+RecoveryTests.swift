import Foundation
import Platform
import Testing
@testable import WriteCache

@Suite("FileCache recovery and locking")
struct FileCacheRecoveryTests {
    @Test("recovery rebuilds the index from valid files and removes junk and unreadable files")
    func recoveryRebuildsAndRemovesJunk() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        let good1 = key(7, .parquet), good2 = key(7, .puffin)
        try Data(pattern(1234)).write(to: URL(fileURLWithPath: cacheDir + "/" + good1.fileName))
        try Data(pattern(56)).write(to: URL(fileURLWithPath: cacheDir + "/" + good2.fileName))
        // Junk names.
        for junk in ["notes.txt", "7.not-a-uuid.parquet", "x.\(UUID().uuidString).parquet", "7.\(UUID().uuidString).orc"] {
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: cacheDir + "/" + junk))
        }
        // Valid names that cannot be read as files: a directory and a dangling symlink.
        try LocalFiles.createDirectories(cacheDir + "/" + key(8).fileName)
        try FileManager.default.createSymbolicLink(atPath: cacheDir + "/" + key(9).fileName, withDestinationPath: "/nonexistent/file")
        // A leftover temp file of a crashed writer.
        try Data(pattern(99)).write(to: URL(fileURLWithPath: cacheDir + "/tmp/" + good1.fileName + ".abc.tmp"))

        let cache = try await openCache(dir)
        defer { cache.close() }
        let report = cache.recovery
        #expect(report.recoveredFiles == 2)
        #expect(report.recoveredBytes == 1290)
        #expect(report.removedUnparseable == 4)
        #expect(report.removedUnreadable == 2)
        #expect(report.removedTemporary == 1)
        #expect(cache.snapshot() == [good1: 1234, good2: 56])
        #expect(dir.list("cache") == [good1.fileName, good2.fileName, "LOCK", "tmp"].sorted())
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("recovery evicts down to capacity when the files on disk exceed it")
    func recoveryEvictsOverCapacity() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try await openCache(dir)
        for index in 0..<5 {
            let writer = try await first.makeWriter(for: key(UInt64(index)))
            try await writer.write(pattern(1000))
            try await writer.commit()
        }
        first.close()
        let second = try await openCache(dir, capacity: 2500)
        defer { second.close() }
        #expect(second.recovery.evictedOverCapacity == 3)
        #expect(second.snapshot().count == 2)
        #expect(second.statistics().committedBytes == 2000)
        #expect(dir.list("cache").count == 4)
    }

    @Test("two openers cannot share one cache directory; closing releases it")
    func secondOpenerIsLockedOut() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try await openCache(dir)
        await #expect {
            _ = try await openCache(dir)
        } throws: { error in
            (error as? WriteCacheError)?.code == .locked
        }
        first.close()
        let again = try await openCache(dir)
        again.close()
    }

    @Test("a second process cannot open a cache directory held by this one")
    func secondProcessIsLockedOut() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir)
        defer { cache.close() }
        // flock(1) from util-linux takes the same kind of lock; -n fails at once when held.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["-n", dir.path + "/cache/LOCK", "true"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
    }

    @Test("file names parse only in the form region.uuid.type")
    func fileNameParsing() {
        let id = UUID()
        let parsed = FileKey(fileName: "42.\(id.uuidString.lowercased()).puffin")
        #expect(parsed == FileKey(region: 42, fileID: id, type: .puffin))
        #expect(FileKey(fileName: parsed!.fileName) == parsed)
        #expect(FileKey(fileName: "18446744073709551615.\(id.uuidString).parquet")?.region == UInt64.max)
        for bad in ["", "42", "42.\(id.uuidString)", "-1.\(id.uuidString).parquet", "042.\(id.uuidString).parquet",
                    "42.\(id.uuidString).parquet.tmp", "42..parquet", "18446744073709551616.\(id.uuidString).parquet"] {
            #expect(FileKey(fileName: bad) == nil, "\(bad)")
        }
    }
}
