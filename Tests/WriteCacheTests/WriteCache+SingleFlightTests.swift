import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache single-flight downloads")
struct WriteCacheSingleFlightTests {
    /// Starts `count` downloads of `key` and returns once all of them wait for the held read.
    func startWaiting(_ count: Int, _ cache: WriteCache, _ store: ScriptedStore, _ key: FileKey) async -> [Task<UInt64, any Error>] {
        store.readGate.close()
        let callers = (0..<count).map { _ in Task { try await cache.download(key) } }
        await store.readGate.waitUntilHeld(1)
        while cache.downloadWaiters(key) < count { await Task.yield() }
        return callers
    }

    @Test("concurrent downloads of one key make one remote transfer")
    func downloadsAreSingleFlight() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, chunk: 1 << 20)
        defer { cache.fileCache.close() }
        let k = key(4)
        try await store.put(key: cache.remoteKey(for: k), bytes: pattern(500_000))
        // Every caller is in flight, waiting on the one held transfer, before it may proceed.
        let callers = await startWaiting(16, cache, store, k)
        store.readGate.open()
        for caller in callers { #expect(try await caller.value == 500_000) }
        #expect(store.counts.withLock { $0.reads } == 1)
        #expect(store.counts.withLock { $0.stats } == 1)
        #expect(store.readGate.heldCount == 1)
    }

    @Test("a cancelled caller returns at once; the others keep waiting and get the file")
    func cancelledWaiterLeavesTheOthersWaiting() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, chunk: 1 << 20)
        defer { cache.fileCache.close() }
        let k = key(5)
        try await store.put(key: cache.remoteKey(for: k), bytes: pattern(300_000))
        let callers = await startWaiting(2, cache, store, k)
        callers[0].cancel()
        let returned = await finishing(within: .seconds(20)) { await callers[0].result }
        #expect(cache.downloadWaiters(k) == 1)
        store.readGate.open()
        if case .failure(let error)? = returned {
            #expect((error as? WriteCacheError)?.code == .cancelled)
        } else {
            Issue.record("the cancelled caller got \(String(describing: returned))")
        }
        #expect(try await callers[1].value == 300_000)
        #expect(store.readGate.cancelledCount == 0, "the shared transfer went on")
        #expect(store.counts.withLock { $0.reads } == 1)
        #expect(cache.fileCache.contains(k))
    }
}
