import FaultInjection
import ObjectStore
import Platform
import Synchronization

/// Counts of the fault trace's records per remote key, kept up to date incrementally (the
/// checker asks after every operation; sorting the whole trace each time made a run quadratic).
struct TraceIndex {
    /// Records already counted.
    private(set) var seen = 0
    /// Faults that decide an outcome (all but latency and bandwidth, not on aborts), per key.
    var outcome: [String: Int] = [:]
    /// `corrupt` faults on reads, per key.
    var corruptReads: [String: Int] = [:]
    /// `corrupt` faults on writes, per key.
    var corruptWrites: [String: Int] = [:]

    /// Counts the records `trace` gained since the last call.
    mutating func update(from trace: FaultTrace) {
        guard trace.count > seen else { return }
        let new = trace.records(recordedFrom: seen)
        seen += new.count
        // A failed abort never fails an operation: it only leaves an upload to record.
        for record in new where record.kind != .latency && record.kind != .bandwidth && record.operation != .abort {
            outcome[record.key, default: 0] += 1
            if record.kind == .corrupt {
                if record.operation == .read { corruptReads[record.key, default: 0] += 1 } else { corruptWrites[record.key, default: 0] += 1 }
            }
        }
    }
}

/// Wakes the simulator when something happens that it may act on: an operation finished, or a
/// task began to sleep on the simulated clock. The simulator waits on it instead of spinning,
/// so a sweep leaves the cooperative threads to the operations (and to other test suites).
final class SimulationEvents: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Events so far.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Records an event and wakes every waiter.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once an event later than `generation` happened (at once if one did already).
    func wait(after generation: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.generation > generation { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// The simulation's clock: a held ``ManualTimeSource`` that also counts the sleeps in progress
/// and signals each new one, so the simulator knows when every sleeper has registered (then
/// only advancing the clock can wake them) and when to look again.
final class SimulationClock: TimeSource {
    /// The clock itself: time moves only when the simulator advances it.
    let manual = ManualTimeSource(advancesOnSleep: false)
    let events: SimulationEvents
    private let sleeping = Mutex(0)

    init(events: SimulationEvents) {
        self.events = events
    }

    func now() -> Duration { manual.now() }

    func sleep(for duration: Duration) async throws {
        sleeping.withLock { $0 += 1 }
        events.signal()
        defer { sleeping.withLock { $0 -= 1 } }
        try await manual.sleep(for: duration)
    }

    /// Sleeps waiting for the clock to move.
    var pendingSleeps: Int { manual.pendingSleeps }

    /// Whether every sleep in progress is registered with the clock (none is about to be, none
    /// is waking up).
    var settled: Bool { sleeping.withLock { $0 } == manual.pendingSleeps }

    /// Moves the clock forward, waking the sleepers then due.
    func advance(by duration: Duration) { manual.advance(by: duration) }
}
