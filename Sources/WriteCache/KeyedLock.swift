import Synchronization

/// Serializes the remote writes of one key: an upload, its verification and its clean-up run
/// alone for their key, so one writer's clean-up never deletes what another just acknowledged
/// and one writer's torn attempt never overwrites another's verified object.
///
/// A waiter is resumed in arrival order when the holder unlocks. Waiting is not cancellable:
/// the holder's own operation is bounded (retries, time limits), and a waiter that gave up
/// would still have to learn what the holder left on the remote.
final class KeyedLock: Sendable {
    /// Keys held, with the waiters of each in arrival order.
    private let state = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    /// Waits until `key` is free and takes it.
    func lock(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { held -> Bool in
                guard held[key] != nil else {
                    held[key] = []
                    return true
                }
                held[key]!.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    /// Takes every key of `keys`, in sorted order so that two callers never wait on each other.
    func lock(_ keys: [String]) async {
        for key in Set(keys).sorted() { await lock(key) }
    }

    /// Releases `key`, handing it to the next waiter if there is one.
    func unlock(_ key: String) {
        let next = state.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[key] else { return nil }
            guard !waiters.isEmpty else {
                held[key] = nil
                return nil
            }
            let first = waiters.removeFirst()
            held[key] = waiters
            return first
        }
        next?.resume()
    }

    /// Releases every key of `keys`.
    func unlock(_ keys: [String]) {
        for key in Set(keys) { unlock(key) }
    }
}
