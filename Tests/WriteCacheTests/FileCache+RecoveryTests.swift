import Foundation
import Platform
import Testing
@testable import WriteCache

/// The key whose name a planted directory has.
let foreignDirectoryKey = key(8)

/// Plants entries that are not the cache's in `cacheDir`: junk names, a directory with the
/// cache's name and one without, a dangling link, and a directory in the temp directory.
/// - Returns: their paths relative to `cacheDir`.
func plantForeignEntries(_ cacheDir: String) throws -> [String] {
    var names = ["notes.txt", "7.not-a-uuid.parquet", "x.\(UUID().uuidString.lowercased()).parquet", "7.\(UUID().uuidString.lowercased()).orc"]
    for name in names { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: cacheDir + "/" + name)) }
    try LocalFiles.createDirectories(cacheDir + "/important")
    try Data([4]).write(to: URL(fileURLWithPath: cacheDir + "/important/data.bin"))
    try LocalFiles.createDirectories(cacheDir + "/" + foreignDirectoryKey.fileName)
    try Data([5]).write(to: URL(fileURLWithPath: cacheDir + "/" + foreignDirectoryKey.fileName + "/inside"))
    let link = key(9).fileName
    try FileManager.default.createSymbolicLink(atPath: cacheDir + "/" + link, withDestinationPath: "/nonexistent/file")
    try LocalFiles.createDirectories(cacheDir + "/tmp/keep")
    try Data([6]).write(to: URL(fileURLWithPath: cacheDir + "/tmp/keep/precious"))
    names += ["important", foreignDirectoryKey.fileName, link, "tmp/keep"]
    return names.sorted()
}

@Suite("FileCache recovery and locking")
struct FileCacheRecoveryTests {
    @Test("recovery indexes its own files, empties its temp directory and leaves everything else alone")
    func recoveryRemovesOnlyItsOwn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        let good1 = key(7, .parquet), good2 = key(7, .puffin)
        try Data(wholeFile(.parquet, size: 1234)).write(to: URL(fileURLWithPath: cacheDir + "/" + good1.fileName))
        try Data(wholeFile(.puffin, size: 56)).write(to: URL(fileURLWithPath: cacheDir + "/" + good2.fileName))
        let foreign = try plantForeignEntries(cacheDir)
        // A leftover temp file of a crashed writer.
        try Data(pattern(99)).write(to: URL(fileURLWithPath: cacheDir + "/tmp/" + good1.fileName + ".abc.tmp"))

        let cache = try await openCache(dir)
        defer { cache.close() }
        let report = cache.recovery
        #expect(report.recoveredFiles == 2)
        #expect(report.recoveredBytes == 1290)
        #expect(report.removedTemporary == 1)
        #expect(cache.snapshot() == [good1: 1234, good2: 56])
        #expect(dir.list("cache") == ([good1.fileName, good2.fileName, "LOCK", "tmp"] + foreign.filter { !$0.hasPrefix("tmp/") }).sorted())
        #expect(dir.list("cache/tmp") == ["keep"])
        // Nothing was recursed into.
        #expect(dir.list("cache/important") == ["data.bin"])
        #expect(dir.list("cache/" + foreignDirectoryKey.fileName) == ["inside"])
        #expect(dir.list("cache/tmp/keep") == ["precious"])
    }

    @Test("a file named with an upper-case UUID is not indexed under another path, and is left alone")
    func upperCaseNamesAreNotIndexed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        let id = UUID()
        let name = "7.\(id.uuidString).parquet"
        try Data(pattern(100)).write(to: URL(fileURLWithPath: cacheDir + "/" + name))
        let cache = try await openCache(dir)
        defer { cache.close() }
        #expect(cache.snapshot().isEmpty, "the index must not point at '\(FileKey(region: 7, fileID: id, type: .parquet).fileName)', a file that does not exist")
        #expect(FileManager.default.fileExists(atPath: cacheDir + "/" + name))
    }

    @Test("recovery evicts down to capacity when the files on disk exceed it")
    func recoveryEvictsOverCapacity() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try await openCache(dir)
        for index in 0..<5 {
            let writer = try await first.makeWriter(for: key(UInt64(index)))
            try await writer.write(wholeFile(.parquet, size: 1000))
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
        #expect(FileKey(fileName: "18446744073709551615.\(id.uuidString.lowercased()).parquet")?.region == UInt64.max)
        // Only the canonical (lower-case) UUID is the cache's name: an upper-case one would be
        // indexed under a path that does not exist.
        for bad in ["", "42", "42.\(id.uuidString)", "42.\(id.uuidString).parquet", "-1.\(id.uuidString).parquet", "042.\(id.uuidString).parquet",
                    "42.\(id.uuidString).parquet.tmp", "42..parquet", "18446744073709551616.\(id.uuidString).parquet"] {
            #expect(FileKey(fileName: bad) == nil, "\(bad)")
        }
    }
}
