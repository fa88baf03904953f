import Platform
import Testing

@Suite("InMemoryFileSystem: a power loss keeps exactly what was made durable")
struct InMemoryFileSystemPowerLossTests {
    /// A file system with `/c` and `/c/tmp` (both durable: createDirectories syncs parents).
    func makeFileSystem() throws -> InMemoryFileSystem {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/c/tmp")
        return fs
    }

    func write(_ fs: InMemoryFileSystem, _ path: String, _ bytes: [UInt8], sync: Bool) throws {
        let file = try fs.createExclusive(path)
        try fs.write(file, bytes, at: 0)
        if sync { try fs.sync(file) }
        fs.close(file)
    }

    @Test("synced data in a synced directory survives; the un-synced tail is dropped")
    func syncedDataSurvivesTailDropped() throws {
        let fs = try makeFileSystem()
        let file = try fs.createExclusive("/c/f")
        try fs.syncDirectory("/c")
        try fs.write(file, [1, 2, 3], at: 0)
        try fs.sync(file)
        try fs.write(file, [4, 5], at: 3)
        let report = fs.powerLoss()
        #expect(try fs.readWholeFile("/c/f") == [1, 2, 3])
        #expect(report.filesCutBack == 1)
        #expect(report.handlesClosed == 1)
        #expect(fs.openHandleCount == 0)
    }

    @Test("an overwrite not synced is reverted to the synced bytes")
    func overwriteReverted() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/f", [1, 1, 1, 1], sync: true)
        try fs.syncDirectory("/c")
        let file = try fs.openForReading("/c/f")
        try fs.write(file, [9, 9], at: 1)
        fs.close(file)
        fs.powerLoss()
        #expect(try fs.readWholeFile("/c/f") == [1, 1, 1, 1])
    }

    @Test("a creation without a sync of its directory is undone, even when the file was synced")
    func creationUndone() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/f", [1], sync: true)
        let report = fs.powerLoss()
        #expect(try fs.status("/c/f") == nil)
        #expect(report.entriesUndone == 1)
    }

    @Test("a rename without a sync of the directory is undone: the temp file is back, the target is not")
    func renameUndone() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/tmp/a.tmp", [7, 7], sync: true)
        try fs.syncDirectory("/c/tmp")
        try fs.rename("/c/tmp/a.tmp", to: "/c/a")
        fs.powerLoss()
        #expect(fs.files() == ["/c/tmp/a.tmp"])
        #expect(try fs.readWholeFile("/c/tmp/a.tmp") == [7, 7])
    }

    @Test("a rename followed by a sync of the target directory survives there")
    func renameSynced() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/tmp/a.tmp", [7, 7], sync: true)
        try fs.rename("/c/tmp/a.tmp", to: "/c/a")
        try fs.syncDirectory("/c")
        fs.powerLoss()
        #expect(fs.files() == ["/c/a"])
        #expect(try fs.readWholeFile("/c/a") == [7, 7])
    }

    @Test("a rename whose data was never synced survives as an empty file: why commits fsync first")
    func renameWithoutDataSync() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/tmp/a.tmp", [7, 7], sync: false)
        try fs.rename("/c/tmp/a.tmp", to: "/c/a")
        try fs.syncDirectory("/c")
        fs.powerLoss()
        #expect(try fs.readWholeFile("/c/a") == [])
    }

    @Test("an unlink without a sync of its directory is undone, with the file's synced content")
    func unlinkUndone() throws {
        let fs = try makeFileSystem()
        try write(fs, "/c/f", [3, 4], sync: true)
        try fs.syncDirectory("/c")
        #expect(try fs.remove("/c/f"))
        fs.powerLoss()
        #expect(try fs.readWholeFile("/c/f") == [3, 4])
        #expect(try fs.remove("/c/f"))
        try fs.syncDirectory("/c")
        fs.powerLoss()
        #expect(try fs.status("/c/f") == nil)
    }

    @Test("a torn seed keeps a reproducible prefix of the writes after the last sync")
    func tornPrefixIsSeeded() throws {
        func run(seed: UInt64) throws -> [UInt8] {
            let fs = try makeFileSystem()
            let file = try fs.createExclusive("/c/f")
            try fs.syncDirectory("/c")
            try fs.write(file, [1, 1], at: 0)
            try fs.sync(file)
            for chunk in 0..<8 { try fs.write(file, Array(repeating: UInt8(chunk + 2), count: 4), at: 2 + UInt64(chunk) * 4) }
            fs.powerLoss(tornSeed: seed)
            return try fs.readWholeFile("/c/f")
        }
        var lengths: Set<Int> = []
        for seed in UInt64(0)..<40 {
            let bytes = try run(seed: seed)
            #expect(bytes == (try run(seed: seed)), "seed \(seed) replays")
            #expect(Array(bytes.prefix(2)) == [1, 1], "the synced part always survives")
            let writes: [[UInt8]] = (0..<8).map { Array(repeating: UInt8($0 + 2), count: 4) }
            let expected: [UInt8] = [1, 1] + writes.joined()
            #expect(Array(expected.prefix(bytes.count)) == bytes, "what survives is a prefix of the writes, in order")
            lengths.insert(bytes.count)
        }
        #expect(lengths.count > 5, "seeds choose different cut points: \(lengths.sorted())")
    }
}
