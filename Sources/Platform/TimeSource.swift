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
/// A sleep returns at once after advancing the clock by its duration, so a test of a minute of
/// back-off or latency takes no real time, and the clock shows the total time slept.
public final class ManualTimeSource: TimeSource {
    private let current: Mutex<Duration>

    /// Creates a virtual clock that starts at `start`.
    public init(start: Duration = .zero) {
        self.current = Mutex(start)
    }

    public func now() -> Duration {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        if duration > .zero { advance(by: duration) }
        await Task.yield()
    }
}
