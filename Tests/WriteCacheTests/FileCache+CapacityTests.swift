import Foundation
import Platform
import Testing
@testable import WriteCache

/// Capacity is a hard bound (issue 12; GreptimeDB #7515 saw a 25G cache grow to 42G): a write
/// that only pinned files could make room for waits, bounded, then fails with `capacity`.
@Suite("FileCache capacity as a hard bound")
struct FileCacheCapacityTests {
    func put(_ cache: FileCache, _ key: FileKey, size: Int, pinned: Bool = false) async throws {
        let writer = try await cache.makeWriter(for: key)
        try await writer.write(pattern(size))
        try await writer.commit(pinned: pinned)
    }

    func used(_ cache: FileCache) -> UInt64 {
        let statistics = cache.statistics()
        return statistics.committedBytes + statistics.reservedBytes
    }

    @Test("a write that only evicting pinned files could make room for waits, then fails with capacity; usage stays within it")
    func pinnedFilesMakeAWriteFailWithCapacity() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualTimeSource()
        let cache = try await FileCache.open(FileCacheConfiguration(directory: dir.path + "/cache", capacity: 2000, timeSource: clock,
                                                                    reservationTimeout: .seconds(3)))
        defer { cache.close() }
        let pinned = key(1)
        try await put(cache, pinned, size: 1500, pinned: true)
        let writer = try await cache.makeWriter(for: key(2))
        try await writer.write(pattern(400))
        let started = clock.now()
        do {
            try await writer.write(pattern(400))
            Issue.record("the write past the capacity succeeded")
        } catch let error as WriteCacheError {
            #expect(error.code == .capacity, "\(error)")
            #expect(error.message.contains("1500") || error.message.contains("1900"), "\(error.message)")
        }
        // It waited the whole bound on the cache's clock, and the cache never grew past it.
        #expect(clock.now() - started >= .seconds(3))
        #expect(used(cache) == 1900)
        #expect(cache.statistics().peakUsedBytes <= 2000)
        #expect(cache.contains(pinned), "a pinned file is never evicted to make room")
        #expect(cache.reservationCounts().failures == 1)
        await writer.abort()
        #expect(used(cache) == 1500)
        #expect(dir.list("cache/tmp").isEmpty)
    }

    @Test("a waiting write goes on once the pinned file is released, evicting it")
    func aWaitingWriteProceedsAfterTheUnpin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualTimeSource(advancesOnSleep: false)
        let cache = try await FileCache.open(FileCacheConfiguration(directory: dir.path + "/cache", capacity: 2000, timeSource: clock,
                                                                    reservationTimeout: .seconds(10)))
        defer { cache.close() }
        let pinned = key(1)
        try await put(cache, pinned, size: 1500, pinned: true)
        let writer = try await cache.makeWriter(for: key(2))
        let write = Task { try await writer.write(pattern(1000)) }
        // The write waits on the clock: nothing was evicted, nothing reserved.
        let waited = await finishing(within: .seconds(20)) {
            while clock.pendingSleeps == 0 { await Task.yield() }
            return true
        }
        #expect(waited == true)
        #expect(used(cache) == 1500)
        #expect(cache.contains(pinned))
        await cache.unpin(pinned)
        clock.advance(by: .milliseconds(100))
        try await write.value
        #expect(!cache.contains(pinned), "the released file made room")
        try await writer.commit()
        #expect(used(cache) == 1000)
        #expect(cache.reservationCounts().waits >= 1)
        #expect(cache.reservationCounts().failures == 0)
    }

    @Test("a file larger than the whole capacity fails at once with capacity")
    func aFileLargerThanTheCapacityFailsAtOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualTimeSource()
        let cache = try await openCache(dir, capacity: 1000, clock: clock)
        defer { cache.close() }
        let cached = key(1)
        try await put(cache, cached, size: 600)
        let writer = try await cache.makeWriter(for: key(2))
        await #expect(throws: WriteCacheError.self) { try await writer.write(pattern(1001)) }
        #expect(clock.now() == .zero, "no wait for what can never fit")
        #expect(cache.contains(cached), "nothing evicted for it")
        await writer.abort()
        #expect(used(cache) == 600)
    }

    @Test("the index reserves only what fits after evicting unpinned entries, and evicts nothing otherwise")
    func indexReservesWithinTheCapacity() {
        var index = CacheIndex(capacity: 30)
        let a = key(1), b = key(2), c = key(3)
        index.insert(a, size: 10, now: .zero, pins: 1)
        index.insert(b, size: 10, now: .zero)
        index.insert(c, size: 10, now: .zero, pins: 1)
        let (waiting, none) = index.reserveWithinCapacity(15)
        #expect(waiting == .mustWait)
        #expect(none.isEmpty && index.contains(b), "evicts nothing when even that would not make room")
        let (reserved, victims) = index.reserveWithinCapacity(10)
        #expect(reserved == .reserved)
        #expect(victims.map(\.key) == [b])
        #expect(index.usedBytes == 30)
        #expect(index.reserveWithinCapacity(31).0 == .neverFits)
    }
}
