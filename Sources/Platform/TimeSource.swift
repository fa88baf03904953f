import Synchronization

/// A monotonic clock that can be replaced in tests.
///
/// The cache's time-to-idle, the retry backoff and injected latency all read time and sleep
/// through a `TimeSource`, so tests can run minutes of virtual time in milliseconds
/// (like hummingbird's injected `Clock`).
public protocol TimeSource: Sendable {
    /// The time elapsed since an arbitrary, fixed origin. Never goes backwards.
    func now() -> Duration

    /// Suspends the caller for `duration` of this source's time.
    ///
    /// - Throws: `CancellationError` when the task is cancelled during the sleep.
    func sleep(for duration: Duration) async throws
}

/// Real time: `ContinuousClock`, real sleeps.
public struct SystemTimeSource: TimeSource {
    private let origin: ContinuousClock.Instant

    /// Creates a time source whose origin is the moment of creation.
    public init() {
        self.origin = ContinuousClock.now
    }

    public func now() -> Duration {
        ContinuousClock.now - origin
    }

    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}

/// Virtual time for tests: `now()` moves only when a test advances it or somebody sleeps.
///
/// Two modes:
/// - **Advancing on sleep** (the default): a sleep returns at once, leaving the clock at the
///   sleep's own deadline (its start plus its duration) if the clock is not already past it.
///   So a test of a minute of back-off or latency takes no real time; sleeps one after another
///   add up, and sleeps that run at the same time are independent: two tasks that each start
///   sleeping 1 s at t = 0 both wake at t = 1 s, not one at 1 s and the other at 2 s.
/// - **Held** (`advancesOnSleep: false`): a sleep suspends until the test moves the clock to
///   its deadline with ``advance(by:)`` or ``advance(to:)``; ``pendingSleeps`` tells how many
///   wait. For tests that must see exactly which sleepers are due when.
public final class ManualTimeSource: TimeSource {
    private struct Sleeper {
        var id: UInt64
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Sleepers cancelled before they were registered.
        var cancelledIDs: Set<UInt64> = []
    }

    private let state: Mutex<State>
    /// Whether a sleep moves the clock itself (else it waits for the test to advance it).
    public let advancesOnSleep: Bool

    /// Creates a virtual clock that starts at `start`.
    ///
    /// - Parameters:
    ///   - start: the clock's first reading.
    ///   - advancesOnSleep: `true` (default) for sleeps that return at once and move the clock;
    ///     `false` for sleeps that wait until the test advances the clock past their deadline.
    public init(start: Duration = .zero, advancesOnSleep: Bool = true) {
        self.state = Mutex(State(now: start))
        self.advancesOnSleep = advancesOnSleep
    }

    public func now() -> Duration {
        state.withLock { $0.now }
    }

    /// Sleeps waiting for the test to advance the clock (held mode only).
    public var pendingSleeps: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Moves the clock forward by `duration` and wakes every sleeper that is then due.
    public func advance(by duration: Duration) {
        move { now in now + max(duration, .zero) }
    }

    /// Moves the clock to `instant` (never backwards) and wakes every sleeper that is then due.
    public func advance(to instant: Duration) {
        move { now in max(now, instant) }
    }

    private func move(_ target: (Duration) -> Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = target(state.now)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let deadline = now() + max(duration, .zero)
        guard !advancesOnSleep else {
            // The deadline is taken from this sleep's own start, so sleeps running at the same
            // time do not add up; the yield lets them all read their start first.
            await Task.yield()
            advance(to: deadline)
            return
        }
        guard duration > .zero else {
            await Task.yield()
            return
        }
        let id = state.withLock { state -> UInt64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelledIDs.remove(id) != nil { return .failure(CancellationError()) }
                    if state.now >= deadline { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelledIDs.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
