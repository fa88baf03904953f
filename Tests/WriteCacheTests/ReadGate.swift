import ObjectStore
import Synchronization

/// Holds a store's reads while closed, so a test decides when a transfer proceeds instead of
/// hoping for a schedule: a held read waits until ``open()`` or until its task is cancelled
/// (then it fails with `Cancelled`, as a real transfer does). Tests await ``waitUntilHeld(_:)``
/// rather than sleep.
final class ReadGate: Sendable {
    private struct State {
        var closed = false
        var nextID = 0
        var held: [Int: CheckedContinuation<Bool, Never>] = [:]
        var cancelledEarly: Set<Int> = []
        var heldSoFar = 0
        var cancelled = 0
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var cancelWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    /// Holds every read from now on.
    func close() {
        state.withLock { $0.closed = true }
    }

    /// Lets every held and later read through.
    func open() {
        let held = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.closed = false
            defer { state.held.removeAll() }
            return Array(state.held.values)
        }
        for continuation in held { continuation.resume(returning: true) }
    }

    /// Reads that were held so far (cancelled ones included).
    var heldCount: Int { state.withLock { $0.heldSoFar } }

    /// Held reads whose task was cancelled.
    var cancelledCount: Int { state.withLock { $0.cancelled } }

    /// Returns once `count` reads have been held in all.
    func waitUntilHeld(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.heldSoFar >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Returns once `count` held reads have been cancelled in all.
    func waitUntilCancelled(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.cancelled >= count { return true }
                state.cancelWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Called by a read: returns at once while open; while closed, waits for ``open()``.
    ///
    /// - Errors: `Cancelled` when the reading task is cancelled while held.
    func pass(key: String) async throws(ObjectStoreError) {
        let id: Int? = state.withLock { state in
            guard state.closed else { return nil }
            defer { state.nextID += 1 }
            return state.nextID
        }
        guard let id else { return }
        let passed = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Decided under the lock: resume now (passed or cancelled), or stay held.
                let (now, watchers) = state.withLock { state -> (Bool?, [CheckedContinuation<Void, Never>]) in
                    state.heldSoFar += 1
                    let due = state.watchers.filter { $0.count <= state.heldSoFar }.map(\.continuation)
                    state.watchers.removeAll { $0.count <= state.heldSoFar }
                    if state.cancelledEarly.remove(id) != nil { return (false, due) }
                    if !state.closed { return (true, due) }
                    state.held[id] = continuation
                    return (nil, due)
                }
                for watcher in watchers { watcher.resume() }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let continuation = state.held.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return continuation
            }
            continuation?.resume(returning: false)
        }
        if !passed {
            let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.cancelled += 1
                defer { state.cancelWatchers.removeAll { $0.count <= state.cancelled } }
                return state.cancelWatchers.filter { $0.count <= state.cancelled }.map(\.continuation)
            }
            for watcher in due { watcher.resume() }
            throw ObjectStoreError.cancelled(.read, key: key)
        }
    }
}
