import Foundation
import Platform
import Testing

@Suite("PowerLossFileSystem: the real directory rolled back to what was durable")
struct PowerLossFileSystemRollBackTests {
    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-powerloss-test")
        defer { try? LocalFiles.removeTree(dir) }
        try body(dir)
    }

    func write(_ fs: PowerLossFileSystem, _ path: String, _ bytes: [UInt8], sync: Bool) throws {
        let file = try fs.createExclusive(path)
        try fs.write(file, bytes, at: 0)
        if sync { try fs.sync(file) }
        fs.close(file)
    }

    @Test("a committed file (fsync, rename, directory fsync) survives; un-synced tails and creations do not")
    func commitDisciplineSurvives() throws {
        try withDirectory { dir in
            let fs = PowerLossFileSystem()
            try fs.createDirectories(dir + "/c/tmp")
            try write(fs, dir + "/c/tmp/a.tmp", [1, 2, 3], sync: true)
            try fs.rename(dir + "/c/tmp/a.tmp", to: dir + "/c/a")
            try fs.syncDirectory(dir + "/c")
            let open = try fs.createExclusive(dir + "/c/tmp/b.tmp")
            try fs.write(open, [9, 9, 9], at: 0)
            let appended = try fs.openForReading(dir + "/c/a")
            fs.close(appended)
            let report = fs.rollBack()
            fs.close(open)
            #expect(try LocalFiles.listDirectory(dir + "/c/tmp") == [])
            #expect(try fs.readWholeFile(dir + "/c/a") == [1, 2, 3])
            #expect(report.entriesRemoved >= 1)
        }
    }

    @Test("a rename or a file's data without its fsyncs is taken back")
    func missingFsyncsAreTakenBack() throws {
        try withDirectory { dir in
            let fs = PowerLossFileSystem()
            try fs.createDirectories(dir + "/c/tmp")
            // Data never synced, renamed and the directory synced: the name survives, empty.
            try write(fs, dir + "/c/tmp/a.tmp", [1, 2, 3], sync: false)
            try fs.rename(dir + "/c/tmp/a.tmp", to: dir + "/c/a")
            try fs.syncDirectory(dir + "/c")
            // Data synced, renamed, the directory not synced: the rename is undone, and the
            // temp file's creation (its directory never synced) too.
            try write(fs, dir + "/c/tmp/b.tmp", [4, 5], sync: true)
            try fs.rename(dir + "/c/tmp/b.tmp", to: dir + "/c/b")
            fs.rollBack()
            #expect(try LocalFiles.listDirectory(dir + "/c").sorted() == ["a", "tmp"])
            #expect(try LocalFiles.status(dir + "/c/a")?.size == 0)
            #expect(try LocalFiles.listDirectory(dir + "/c/tmp") == [])
        }
    }

    @Test("an unlink or a replacement not made durable is undone with the durable content, and overwrites of durable bytes are put back")
    func unlinksAndOverwritesAreUndone() throws {
        try withDirectory { dir in
            let fs = PowerLossFileSystem()
            try fs.createDirectories(dir + "/c/tmp")
            try write(fs, dir + "/c/a", [1, 1, 1, 1], sync: true)
            try write(fs, dir + "/c/b", [2, 2], sync: true)
            try fs.syncDirectory(dir + "/c")
            let reopened = try fs.openForReading(dir + "/c/a")
            fs.close(reopened)
            #expect(try fs.remove(dir + "/c/a"))
            try write(fs, dir + "/c/tmp/n.tmp", [7], sync: true)
            try fs.syncDirectory(dir + "/c/tmp")
            try fs.rename(dir + "/c/tmp/n.tmp", to: dir + "/c/b")
            let report = fs.rollBack()
            #expect(try fs.readWholeFile(dir + "/c/a") == [1, 1, 1, 1])
            #expect(try fs.readWholeFile(dir + "/c/b") == [2, 2])
            #expect(try fs.readWholeFile(dir + "/c/tmp/n.tmp") == [7], "its directory was synced with it in place")
            #expect(report.entriesRestored == 3)
        }
    }

    @Test("files present before recording began count as durable and keep their content")
    func preexistingFilesAreDurable() throws {
        try withDirectory { dir in
            try LocalFiles.createDirectories(dir + "/c")
            try Data([5, 5, 5]).write(to: URL(fileURLWithPath: dir + "/c/old"))
            let fs = PowerLossFileSystem()
            _ = try fs.remove(dir + "/c/old")
            fs.rollBack(tornSeed: 9)
            #expect(try fs.readWholeFile(dir + "/c/old") == [5, 5, 5])
        }
    }

    @Test("a torn seed keeps a reproducible prefix beyond the durable length")
    func tornPrefix() throws {
        var lengths: Set<UInt64> = []
        for seed in UInt64(0)..<12 {
            var sizes: [UInt64] = []
            for _ in 0..<2 {
                try withDirectory { dir in
                    let fs = PowerLossFileSystem()
                    try fs.createDirectories(dir + "/c")
                    let file = try fs.createExclusive(dir + "/c/f")
                    try fs.syncDirectory(dir + "/c")
                    try fs.write(file, [1, 1], at: 0)
                    try fs.sync(file)
                    try fs.write(file, Array(repeating: 2, count: 100), at: 2)
                    fs.rollBack(tornSeed: seed)
                    fs.close(file)
                    let bytes = try fs.readWholeFile(dir + "/c/f")
                    #expect(Array(bytes.prefix(2)) == [1, 1])
                    sizes.append(UInt64(bytes.count))
                }
            }
            #expect(sizes[0] == sizes[1], "seed \(seed) replays")
            lengths.insert(sizes[0])
        }
        #expect(lengths.count > 3)
    }
}
