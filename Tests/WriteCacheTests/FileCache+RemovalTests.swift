import Foundation
import Platform
import Testing
@testable import WriteCache

@Suite("FileCache removal of pinned files")
struct FileCacheRemovalTests {
    @Test("removing a pinned file returns at once; the file stays until its last unpin")
    func removingAPinnedFileDefersTheUnlink() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir)
        defer { cache.close() }
        let k = key(1)
        let writer = try await cache.makeWriter(for: k)
        try await writer.write(pattern(1_000))
        try await writer.commit(pinned: true)
        #expect(await cache.pin(k) != nil, "a second holder")
        #expect(await cache.remove(k))
        #expect(!cache.contains(k), "no longer cached")
        #expect(await cache.pin(k) == nil, "no new holder can pin it")
        #expect(FileManager.default.fileExists(atPath: cache.path(of: k)), "the holders can still read it")
        await cache.unpin(k)
        #expect(FileManager.default.fileExists(atPath: cache.path(of: k)), "one holder left")
        await cache.unpin(k)
        #expect(!FileManager.default.fileExists(atPath: cache.path(of: k)), "gone at the last unpin")
        #expect(dir.list("cache") == ["LOCK", "tmp"])
        #expect(cache.statistics().deletedBytes == 1_000)
    }

    @Test("a file committed again while its removed predecessor is pinned survives the old holder's unpin")
    func recommitWhileRemovedFileIsPinned() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir)
        defer { cache.close() }
        let k = key(1)
        let first = try await cache.makeWriter(for: k)
        try await first.write(pattern(1_000))
        try await first.commit(pinned: true)
        await cache.remove(k)
        let second = try await cache.makeWriter(for: k)
        try await second.write(pattern(2_000))
        try await second.commit()
        await cache.unpin(k)
        #expect(cache.snapshot() == [k: 2_000])
        #expect(FileManager.default.fileExists(atPath: cache.path(of: k)))
    }
}
