import Platform
import Testing

@Suite("InMemoryFileSystem: a file system in memory that behaves like the disk")
struct InMemoryFileSystemSemanticsTests {
    func code(_ body: () throws -> Void) -> LocalFileError.Code? {
        do {
            try body()
            return nil
        } catch {
            return (error as? LocalFileError)?.code
        }
    }

    @Test("exclusive create fails on an existing name and in a missing directory")
    func exclusiveCreate() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/cache/tmp")
        let file = try fs.createExclusive("/cache/tmp/a")
        fs.close(file)
        #expect(code { _ = try fs.createExclusive("/cache/tmp/a") } == .alreadyExists)
        #expect(code { _ = try fs.createExclusive("/nowhere/a") } == .notFound)
        #expect(code { _ = try fs.openForReading("/cache/tmp/b") } == .notFound)
    }

    @Test("positional writes extend with zeros; reads stop at the end; size follows")
    func readWriteSize() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/d")
        let file = try fs.createExclusive("/d/f")
        try fs.write(file, [1, 2, 3], at: 0)
        try fs.write(file, [9, 9], at: 6)
        #expect(try fs.size(of: file) == 8)
        #expect(try fs.read(file, at: 0, count: 100) == [1, 2, 3, 0, 0, 0, 9, 9])
        #expect(try fs.read(file, at: 7, count: 5) == [9])
        #expect(try fs.read(file, at: 20, count: 5) == [])
        fs.close(file)
        #expect(code { _ = try fs.size(of: file) } == .io, "a closed handle is a bad descriptor")
        #expect(try fs.readWholeFile("/d/f") == [1, 2, 3, 0, 0, 0, 9, 9])
    }

    @Test("rename replaces the destination atomically and the source name is gone")
    func renameReplaces() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/d/tmp")
        for (path, byte) in [("/d/tmp/new", UInt8(1)), ("/d/old", UInt8(2))] {
            let file = try fs.createExclusive(path)
            try fs.write(file, [byte, byte], at: 0)
            fs.close(file)
        }
        try fs.rename("/d/tmp/new", to: "/d/old")
        #expect(try fs.readWholeFile("/d/old") == [1, 1])
        #expect(try fs.status("/d/tmp/new") == nil)
        #expect(try fs.listDirectory("/d").sorted() == ["old", "tmp"])
        #expect(try fs.listDirectory("/d/tmp") == [])
        #expect(code { try fs.rename("/d/tmp/missing", to: "/d/x") } == .notFound)
        #expect(code { try fs.rename("/d/old", to: "/d/tmp") } == .io, "a directory is never replaced by a file")
    }

    @Test("a file open when it is removed stays readable through its handle")
    func unlinkedFileStaysReadable() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/d")
        let writer = try fs.createExclusive("/d/f")
        try fs.write(writer, [5, 6, 7], at: 0)
        fs.close(writer)
        let reader = try fs.openForReading("/d/f")
        #expect(try fs.remove("/d/f"))
        #expect(try !fs.remove("/d/f"))
        #expect(try fs.read(reader, at: 1, count: 2) == [6, 7])
        fs.close(reader)
        #expect(fs.files() == [])
    }

    @Test("status, listing and the open-handle count describe the tree")
    func statusListingAndHandles() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/c/tmp")
        let file = try fs.createExclusive("/c/tmp/x.tmp")
        try fs.write(file, Array(repeating: 1, count: 10), at: 0)
        #expect(try fs.status("/c/tmp/x.tmp")?.size == 10)
        #expect(try fs.status("/c/tmp/x.tmp")?.isRegularFile == true)
        #expect(try fs.status("/c/tmp")?.isDirectory == true)
        #expect(try fs.status("/c/missing") == nil)
        #expect(try fs.status("/missing/deeper") == nil)
        #expect(code { _ = try fs.listDirectory("/c/missing") } == .notFound)
        #expect(fs.files() == ["/c/tmp/x.tmp"])
        #expect(fs.openHandleCount == 1)
        fs.close(file)
        #expect(fs.openHandleCount == 0)
        #expect(code { _ = try fs.remove("/c/tmp") } == .io, "remove takes files, never directories")
    }

    @Test("a lock is exclusive until unlocked, and counts as an open handle")
    func locks() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectories("/c")
        let lock = try fs.lock("/c/LOCK")
        #expect(code { _ = try fs.lock("/c/LOCK") } == .locked)
        #expect(fs.openHandles() == [.init(path: "/c/LOCK", isLock: true)])
        fs.unlock(lock)
        fs.unlock(try fs.lock("/c/LOCK"))
        #expect(fs.openHandleCount == 0)
    }
}
