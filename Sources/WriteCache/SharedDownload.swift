import Synchronization

/// One download shared by every caller that asked for the same key (single-flight).
///
/// The transfer runs in its own task; callers *wait* for it and can stop waiting on their own:
/// a cancelled waiter returns at once with a `cancelled` error while the others keep waiting,
/// and when the last waiter is cancelled the transfer itself is cancelled, so nothing outlives
/// the callers that wanted it (a hanging read cannot keep a read phase past its time limit).
///
/// A small state machine under a `Mutex`; continuations are resumed outside the lock.
final class SharedDownload: Sendable {
    typealias Outcome = Result<UInt64, WriteCacheError>
    private typealias Continuation = CheckedContinuation<Outcome, Never>

    private struct State {
        /// Waiters that joined: `nil` until the waiter's continuation is installed.
        var waiters: [Int: Continuation?] = [:]
        /// Waiters cancelled before their continuation was installed.
        var cancelledEarly: Set<Int> = []
        var nextWaiter = 0
        var outcome: Outcome?
        /// Set when the last waiter left before the transfer finished: no one may join then.
        var abandoned = false
        var transfer: Task<Void, Never>?
    }

    /// The key being downloaded.
    let key: FileKey
    private let state = Mutex(State())

    init(key: FileKey) {
        self.key = key
    }

    /// Starts `body` as the transfer; its outcome goes to every waiter still waiting.
    /// `finished` runs when the transfer ends, before the waiters are resumed. The transfer's
    /// task prefers `executor` (the caller's configured one; an unstructured task does not
    /// inherit its creator's preference).
    func start(on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async -> Outcome,
               finished: @escaping @Sendable () -> Void) {
        let task = Task(executorPreference: executor) { [self] in
            let outcome = await body()
            finished()
            finish(outcome)
        }
        let cancelNow = state.withLock { state -> Bool in
            state.transfer = task
            return state.abandoned
        }
        if cancelNow { task.cancel() }
    }

    /// Registers one more waiter; `nil` when the download was abandoned (start a new one).
    func join() -> Int? {
        state.withLock { state -> Int? in
            guard !state.abandoned else { return nil }
            let id = state.nextWaiter
            state.nextWaiter += 1
            state.waiters[id] = .some(nil)
            return id
        }
    }

    /// Whether the last waiter left before the transfer finished.
    var isAbandoned: Bool { state.withLock { $0.abandoned } }

    /// Waiters still waiting (for tests and diagnostics).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Waits for the transfer's outcome as waiter `id` (from ``join()``), or until the calling
    /// task is cancelled.
    func wait(_ id: Int) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Continuation) in
                let ready = state.withLock { state -> Outcome? in
                    if let outcome = state.outcome {
                        state.waiters[id] = nil
                        return outcome
                    }
                    if state.cancelledEarly.remove(id) != nil { return .failure(cancelledError) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    private var cancelledError: WriteCacheError {
        WriteCacheError(code: .cancelled, message: "download of \(key): the caller was cancelled while waiting", key: key)
    }

    /// Stops waiter `id`; cancels the transfer when no waiter is left.
    private func cancel(_ id: Int) {
        let (continuation, transfer) = state.withLock { state -> (Continuation?, Task<Void, Never>?) in
            guard state.outcome == nil, let entry = state.waiters.removeValue(forKey: id) else { return (nil, nil) }
            if entry == nil { state.cancelledEarly.insert(id) }
            guard state.waiters.isEmpty else { return (entry, nil) }
            state.abandoned = true
            return (entry, state.transfer)
        }
        continuation?.resume(returning: .failure(cancelledError))
        transfer?.cancel()
    }

    private func finish(_ outcome: Outcome) {
        let continuations = state.withLock { state -> [Continuation] in
            state.outcome = outcome
            let waiting = state.waiters.values.compactMap { $0 }
            state.waiters.removeAll()
            return waiting
        }
        for continuation in continuations { continuation.resume(returning: outcome) }
    }
}
