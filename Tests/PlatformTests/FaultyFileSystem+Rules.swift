import Platform
import Synchronization
import Testing

@Suite("FaultyFileSystem: ENOSPC and EIO on writes and fsyncs, as rules select")
struct FaultyFileSystemRuleTests {
    @Test("a write rule fails the selected write with no_space and writes nothing; others pass")
    func enospcOnWrite() throws {
        let events = Mutex<[LocalFaultEvent]>([])
        let base = InMemoryFileSystem()
        let fs = FaultyFileSystem(base: base, rules: [LocalFaultRule(operation: .write, kind: .enospc, pathContains: ".parquet", nth: [2])],
                                  seed: 1, onFault: { event in events.withLock { $0.append(event) } })
        try fs.createDirectories("/c/tmp")
        let file = try fs.createExclusive("/c/tmp/1-a.parquet.0badf00d.tmp")
        try fs.write(file, [1], at: 0)
        do {
            try fs.write(file, [2], at: 1)
            Issue.record("the second write was not failed")
        } catch {
            #expect(error.code == .noSpace)
            #expect(error.message.contains("injected"))
        }
        try fs.write(file, [3], at: 1)
        #expect(try fs.read(file, at: 0, count: 10) == [1, 3])
        let other = try fs.createExclusive("/c/tmp/1-a.puffin.0badf00d.tmp")
        try fs.write(other, [1], at: 0)
        try fs.write(other, [2], at: 1)
        #expect(events.withLock { $0 }.map(\.attempt) == [2])
        #expect(events.withLock { $0 }.first?.kind == .enospc)
    }

    @Test("an fsync rule hits file and directory syncs with io, and maxCount bounds it per file")
    func eioOnFsync() throws {
        let fs = FaultyFileSystem(base: InMemoryFileSystem(), rules: [LocalFaultRule(operation: .fsync, kind: .eio, maxCount: 1)], seed: 1)
        try fs.createDirectories("/c")
        let file = try fs.createExclusive("/c/f")
        #expect(throws: LocalFileError.self) { try fs.sync(file) }
        try fs.sync(file)
        #expect(throws: LocalFileError.self) { try fs.syncDirectory("/c") }
        try fs.syncDirectory("/c")
    }

    @Test("probabilistic decisions depend on the seed and the file's stable name, not the temp suffix or order")
    func decisionsAreSeeded() throws {
        func hits(seed: UInt64, suffix: String, reversed: Bool) throws -> [String] {
            let fs = FaultyFileSystem(base: InMemoryFileSystem(), rules: [LocalFaultRule(operation: .write, kind: .eio, probability: 0.5)], seed: seed)
            try fs.createDirectories("/c")
            var names = (0..<40).map { "f\($0).parquet" }
            if reversed { names.reverse() }
            var hit: [String] = []
            for name in names {
                let file = try fs.createExclusive("/c/" + name + "." + suffix + ".tmp")
                if (try? fs.write(file, [1], at: 0)) == nil { hit.append(name) }
            }
            return hit.sorted()
        }
        let first = try hits(seed: 7, suffix: "0123abcd", reversed: false)
        #expect(first == (try hits(seed: 7, suffix: "ffff0000", reversed: true)))
        #expect(first != (try hits(seed: 8, suffix: "0123abcd", reversed: false)))
        #expect((5...35).contains(first.count))
    }
}
