import Platform
import Synchronization
import Testing

/// When each named sleeper woke, on the virtual clock.
private final class WakeTimes: Sendable {
    private let times = Mutex<[String: Duration]>([:])
    func record(_ name: String, _ time: Duration) { times.withLock { $0[name] = time } }
    var all: [String: Duration] { times.withLock { $0 } }
}

@Suite("ManualTimeSource: concurrent sleeps are independent")
struct ManualTimeSourceConcurrentSleepTests {
    /// Waits (bounded, yielding) until `clock` holds `count` sleepers.
    private func waitForSleepers(_ clock: ManualTimeSource, count: Int) async throws {
        for _ in 0..<10_000 where clock.pendingSleeps < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(clock.pendingSleeps == count)
    }

    @Test("two tasks sleeping 1 s each both wake at t = 1 s, and a 2 s sleeper only at t = 2 s")
    func concurrentSleepsWakeAtTheirOwnDeadlines() async throws {
        let clock = ManualTimeSource(advancesOnSleep: false)
        let woke = WakeTimes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, seconds) in [("a", 1), ("b", 1), ("c", 2)] {
                group.addTask {
                    try await clock.sleep(for: .seconds(seconds))
                    woke.record(name, clock.now())
                }
            }
            try await waitForSleepers(clock, count: 3)
            clock.advance(by: .seconds(1))
            try await waitForSleepers(clock, count: 1)
            // The clock stays at 1 s until advanced again: wait (bounded) for both to record it.
            for _ in 0..<10_000 where woke.all.count < 2 {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(woke.all == ["a": .seconds(1), "b": .seconds(1)])
            clock.advance(by: .seconds(1))
            try await group.waitForAll()
        }
        #expect(woke.all == ["a": .seconds(1), "b": .seconds(1), "c": .seconds(2)])
        #expect(clock.now() == .seconds(2))
    }

    @Test("sleeps one after another add up, and a sleep never moves the clock back")
    func sequentialSleepsAddUp() async throws {
        let clock = ManualTimeSource()
        try await clock.sleep(for: .seconds(1))
        try await clock.sleep(for: .seconds(1))
        #expect(clock.now() == .seconds(2))
        clock.advance(to: .seconds(1))
        #expect(clock.now() == .seconds(2))
    }

    @Test("a held sleep that is cancelled throws and leaves no sleeper behind")
    func cancelledHeldSleepThrows() async throws {
        let clock = ManualTimeSource(advancesOnSleep: false)
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        try await waitForSleepers(clock, count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.pendingSleeps == 0)
        #expect(clock.now() == .zero)
    }
}
