import Foundation
import ObjectStore
import Platform
import Testing
@testable import WriteCache

@Suite("FileCache eviction, time-to-idle and pins")
struct FileCacheEvictionTests {
    func put(_ cache: FileCache, _ key: FileKey, size: Int, pinned: Bool = false) async throws {
        let writer = try await cache.makeWriter(for: key)
        try await writer.write(pattern(size))
        try await writer.commit(pinned: pinned)
    }

    @Test("eviction at capacity deletes the least recently used file")
    func evictsLeastRecentlyUsed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir, capacity: 3000)
        defer { cache.close() }
        let a = key(1), b = key(2), c = key(3), d = key(4)
        try await put(cache, a, size: 1000)
        try await put(cache, b, size: 1000)
        try await put(cache, c, size: 1000)
        // Reading `a` makes `b` the least recently used.
        #expect(await cache.lookup(a) == 1000)
        try await put(cache, d, size: 1000)
        #expect(cache.contains(a))
        #expect(!cache.contains(b))
        #expect(cache.contains(c) && cache.contains(d))
        #expect(!FileManager.default.fileExists(atPath: cache.path(of: b)))
        let stats = cache.statistics()
        #expect(stats.committedBytes == 3000)
        #expect(stats.evictions == 1)
        #expect(stats.peakUsedBytes <= 4000)
    }

    @Test("capacity holds after every insert, never overshooting")
    func capacityHoldsAfterEveryInsert() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir, capacity: 10_000)
        defer { cache.close() }
        for index in 0..<40 {
            try await put(cache, key(UInt64(index)), size: 700 + index * 13)
            let stats = cache.statistics()
            #expect(stats.committedBytes + stats.reservedBytes <= 10_000, "after insert \(index)")
        }
        // The files on disk are exactly the indexed ones.
        let onDisk = Set(dir.list("cache").filter { $0 != "tmp" && $0 != "LOCK" })
        #expect(onDisk == Set(cache.snapshot().keys.map(\.fileName)))
    }

    @Test("a lookup of an existing entry does not count as a use when only checking existence")
    func containsDoesNotRefreshRecency() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir, capacity: 2000)
        defer { cache.close() }
        let a = key(1), b = key(2), c = key(3)
        try await put(cache, a, size: 1000)
        try await put(cache, b, size: 1000)
        #expect(cache.contains(a))
        try await put(cache, c, size: 1000)
        #expect(!cache.contains(a))
        #expect(cache.contains(b))
    }

    @Test("eviction never deletes a pinned file; unpinning lets it go")
    func pinnedFilesSurviveEviction() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir, capacity: 2000)
        defer { cache.close() }
        let pinnedKey = key(1)
        try await put(cache, pinnedKey, size: 1000, pinned: true)
        try await put(cache, key(2), size: 1000)
        try await put(cache, key(3), size: 1000)
        try await put(cache, key(4), size: 1000)
        #expect(cache.contains(pinnedKey))
        #expect(FileManager.default.fileExists(atPath: cache.path(of: pinnedKey)))
        await cache.unpin(pinnedKey)
        try await put(cache, key(5), size: 1000)
        #expect(!cache.contains(pinnedKey))
    }

    @Test("bytes of a write in progress count against capacity and evict others")
    func reservedBytesEvict() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir, capacity: 3000)
        defer { cache.close() }
        let old = key(1)
        try await put(cache, old, size: 1500)
        let writer = try await cache.makeWriter(for: key(2))
        try await writer.write(pattern(2000))
        #expect(!cache.contains(old), "the temp bytes pushed the old file out")
        #expect(cache.statistics().reservedBytes == 2000)
        await writer.abort()
        #expect(cache.statistics().reservedBytes == 0)
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("time-to-idle expires files not read for longer than the limit")
    func timeToIdleExpires() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualTimeSource()
        let cache = try await openCache(dir, ttl: .seconds(60), clock: clock)
        defer { cache.close() }
        let idle = key(1), busy = key(2)
        try await put(cache, idle, size: 100)
        try await put(cache, busy, size: 100)
        clock.advance(by: .seconds(40))
        #expect(await cache.lookup(busy) == 100)
        clock.advance(by: .seconds(40))
        // `idle` was last used 80 s ago, `busy` 40 s ago.
        #expect(await cache.lookup(idle) == nil)
        #expect(await cache.lookup(busy) == 100)
        #expect(!FileManager.default.fileExists(atPath: cache.path(of: idle)))
        #expect(cache.statistics().expirations == 1)
    }

    @Test("the index orders entries from least to most recently used")
    func indexRecencyOrder() {
        var index = CacheIndex(capacity: 100)
        let a = key(1), b = key(2), c = key(3)
        index.insert(a, size: 10, now: .zero)
        index.insert(b, size: 10, now: .zero)
        index.insert(c, size: 10, now: .zero)
        index.touch(a, now: .seconds(1))
        #expect(index.keysByRecency == [b, c, a])
        index.remove(c)
        #expect(index.keysByRecency == [b, a])
        #expect(index.committedBytes == 20)
        _ = index.pin(b, now: .seconds(2))
        #expect(index.keysByRecency == [a, b])
    }

    @Test("the index evicts unpinned entries only, oldest first")
    func indexEvictionSkipsPins() {
        var index = CacheIndex(capacity: 25)
        let a = key(1), b = key(2), c = key(3)
        index.insert(a, size: 10, now: .zero, pins: 1)
        index.insert(b, size: 10, now: .zero)
        index.insert(c, size: 10, now: .zero)
        let victims = index.evictToCapacity()
        #expect(victims.map(\.key) == [b])
        #expect(index.isDeleting(b))
        index.deleted(b)
        #expect(!index.isDeleting(b))
        #expect(index.usedBytes == 20)
    }

    @Test("files above 4 GiB keep their 64-bit sizes from disk through recovery, the index, eviction and reads")
    func sizesAreSixtyFourBit() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        // Sparse files: their sizes are past 4 GiB, their blocks are a few bytes.
        let big = key(1), bigger = key(2)
        // Whole as recovery checks them: `PAR1` first, a footer length of 0 and `PAR1` last.
        let tail: [UInt8] = [0, 0, 0, 0] + Array("PAR1".utf8)
        for (k, size) in [(big, UInt64(5) << 30), (bigger, UInt64(6) << 30)] {
            let file = try LocalFile.create(cacheDir + "/" + k.fileName)
            try file.write(Array("PAR1".utf8), at: 0)
            try file.write(tail, at: size - 8)
            file.close()
        }
        let cache = try await openCache(dir, capacity: 12 << 30)
        #expect(cache.snapshot() == [big: 5 << 30, bigger: 6 << 30])
        #expect(cache.statistics().committedBytes == 11 << 30)
        #expect(cache.recovery.recoveredBytes == 11 << 30)
        let writeCache = WriteCache(fileCache: cache, store: ScriptedStore(), timeSource: ManualTimeSource())
        let end = UInt64(6) << 30
        #expect(try await writeCache.read(bigger, range: (end - 8)..<(end + 10)) == tail, "read at an offset past 4 GiB")
        cache.close()
        // 11 GiB of files do not fit 10 GiB: the older file goes, and the sum stays exact.
        let smaller = try await openCache(dir, capacity: 10 << 30)
        defer { smaller.close() }
        #expect(smaller.recovery.evictedOverCapacity == 1)
        #expect(smaller.statistics().committedBytes == 6 << 30 || smaller.statistics().committedBytes == 5 << 30)
        #expect(smaller.statistics().committedBytes <= 10 << 30)
    }
}
