import Foundation
import Platform
import Testing

@Suite("Platform: blocking I/O, local files, time sources")
struct PlatformTests {
    @Test("a manual time source only moves when advanced or slept on")
    func manualTimeSource() async throws {
        let clock = ManualTimeSource()
        #expect(clock.now() == .zero)
        clock.advance(by: .seconds(5))
        let before = ContinuousClock.now
        try await clock.sleep(for: .seconds(3600))
        #expect(ContinuousClock.now - before < .seconds(60), "a virtual hour takes (almost) no real time")
        #expect(clock.now() == .seconds(3605))
    }

    @Test("local files write and read back at offsets, and sync")
    func localFileRoundTrip() async throws {
        let dir = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-platform-test")
        defer { try? LocalFiles.removeTree(dir) }
        let path = dir + "/f"
        let written: [UInt8] = try await BlockingIO.run {
            let file = try LocalFile.create(path)
            try file.write([1, 2, 3], at: 0)
            try file.write([9, 9], at: 10)
            try file.sync()
            file.close()
            let reader = try LocalFile.openForReading(path)
            defer { reader.close() }
            return try reader.read(at: 0, count: 100)
        }
        #expect(written == [1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9, 9])
        #expect(throws: LocalFileError.self) { _ = try LocalFile.create(path) }
    }

    @Test("errors name the operation and the path")
    func errorsNameOperationAndPath() {
        do {
            _ = try LocalFile.openForReading("/nonexistent/dir/file")
            Issue.record("opening a missing file succeeded")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("open failed for '/nonexistent/dir/file'"))
        }
    }

    @Test("a directory lock cannot be taken twice")
    func lockIsExclusive() throws {
        let dir = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-platform-test")
        defer { try? LocalFiles.removeTree(dir) }
        let lock = try DirectoryLock.acquire(dir + "/LOCK")
        #expect(throws: LocalFileError.self) { _ = try DirectoryLock.acquire(dir + "/LOCK") }
        lock.release()
        try DirectoryLock.acquire(dir + "/LOCK").release()
    }

    @Test("removeTree removes nested directories and does not follow links")
    func removeTree() throws {
        let dir = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-platform-test")
        let outside = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-platform-test")
        defer { try? LocalFiles.removeTree(outside) }
        try LocalFiles.createDirectories(dir + "/a/b/c")
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/a/b/c/f"))
        try Data([1]).write(to: URL(fileURLWithPath: outside + "/keep"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/a/link", withDestinationPath: outside)
        try LocalFiles.removeTree(dir)
        #expect(try LocalFiles.status(dir) == nil)
        #expect(try LocalFiles.status(outside + "/keep") != nil)
    }
}
