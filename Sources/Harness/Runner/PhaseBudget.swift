import Synchronization

/// Runs one phase of a scenario run against a deadline, and never waits past it.
///
/// A task group cannot bound a phase: it waits for every child, and work that ignores
/// cancellation (a clean-up that must reach the server, a request to a stalled server) keeps it
/// waiting. Here the phase runs in a task of its own; at the deadline that task is cancelled,
/// and after a grace period it is abandoned: the caller goes on, the task ends on its own (the
/// store's request timeouts bound it, and the runner stops a managed server).
enum PhaseBudget {
    /// How a phase ended.
    enum End: Sendable, Equatable {
        /// It finished before its deadline.
        case finished
        /// It was cancelled at its deadline (or when the caller was cancelled) and then finished
        /// within the grace period.
        case cancelled
        /// It was still running when the grace period ran out: abandoned.
        case abandoned

        /// Whether the phase finished on its own, in time.
        var inTime: Bool { self == .finished }
    }

    /// Runs `body` until `deadline`; then cancels it and waits for it until `abandonAt` at most.
    ///
    /// - Parameters:
    ///   - deadline: when the phase is cancelled.
    ///   - abandonAt: when the caller stops waiting for a cancelled phase (not before `deadline`).
    ///   - stopsWhenCancelled: whether cancelling the calling task cancels the phase at once
    ///     (the workload and the checks); a clean-up phase passes `false` so it runs to its
    ///     deadline even in a cancelled task.
    ///   - beforeCancel: called once the deadline passed, just before the phase is cancelled
    ///     (the runner moves the store deadline to the clean-up budget there).
    ///   - body: the phase.
    static func run(until deadline: ContinuousClock.Instant, abandonAt: ContinuousClock.Instant,
                    stopsWhenCancelled: Bool = true, beforeCancel: @Sendable () -> Void = {},
                    _ body: @escaping @Sendable () async -> Void) async -> End {
        let work = Task { await body() }
        if await wait(for: work, until: deadline, stopsWhenCancelled: stopsWhenCancelled) { return .finished }
        beforeCancel()
        work.cancel()
        if await wait(for: work, until: max(abandonAt, deadline), stopsWhenCancelled: false) { return .cancelled }
        return .abandoned
    }

    /// Runs `body` and returns its value, or `nil` when `deadline` passed first (the body's task
    /// is then cancelled and abandoned) or the calling task was cancelled.
    static func value<T: Sendable>(until deadline: ContinuousClock.Instant,
                                   _ body: @escaping @Sendable () async -> T) async -> T? {
        let result = Locked<T?>(nil)
        let work = Task { let value = await body(); result.withLock { $0 = value } }
        guard await wait(for: work, until: deadline, stopsWhenCancelled: true) else {
            work.cancel()
            return nil
        }
        return result.withLock { $0 }
    }

    /// Whether `task` ended before `deadline`. Returns at the deadline (or, when
    /// `stopsWhenCancelled`, when the caller is cancelled) without waiting for the task.
    static func wait(for task: Task<Void, Never>, until deadline: ContinuousClock.Instant,
                     stopsWhenCancelled: Bool) async -> Bool {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                race.begin(continuation)
                let timer = Task {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    race.finish(false)
                }
                race.onFinish { timer.cancel() }
                Task {
                    await task.value
                    race.finish(true)
                }
            }
        } onCancel: {
            if stopsWhenCancelled { race.finish(false) }
        }
    }

    /// The first of several events to resume one continuation; the others are ignored.
    private final class Race: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Bool, Never>?
            /// A result that arrived before the continuation did (cancellation first).
            var early: Bool?
            var done = false
            var cleanups: [@Sendable () -> Void] = []
        }

        private let state = Mutex(State())

        func begin(_ continuation: CheckedContinuation<Bool, Never>) {
            let early = state.withLock { state -> Bool? in
                if let early = state.early { return early }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        /// Runs `cleanup` once the race is decided (at once if it is).
        func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
            let decided = state.withLock { state -> Bool in
                if !state.done { state.cleanups.append(cleanup) }
                return state.done
            }
            if decided { cleanup() }
        }

        func finish(_ value: Bool) {
            let (continuation, cleanups) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [@Sendable () -> Void]) in
                guard !state.done else { return (nil, []) }
                state.done = true
                defer { state.continuation = nil; state.cleanups = [] }
                if state.continuation == nil { state.early = value }
                return (state.continuation, state.cleanups)
            }
            continuation?.resume(returning: value)
            for cleanup in cleanups { cleanup() }
        }
    }
}

/// The instant after which a run's store calls are cut off, moved by the runner from phase to
/// phase (the workload's `timeLimit`, then the checks' and clean-up's budget).
final class RunDeadline: Sendable {
    private let instant: Mutex<ContinuousClock.Instant>

    init(_ instant: ContinuousClock.Instant) {
        self.instant = Mutex(instant)
    }

    /// The current deadline.
    var current: ContinuousClock.Instant { instant.withLock { $0 } }

    /// Moves the deadline; calls already in flight keep the one they started with.
    func move(to newValue: ContinuousClock.Instant) {
        instant.withLock { $0 = newValue }
    }

    /// Whether the deadline has passed.
    var hasPassed: Bool { ContinuousClock.now >= current }
}
