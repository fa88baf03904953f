import Synchronization

/// The bytes a range upload has handed to its store so far: a part once its request
/// succeeded, a block once the writer took it.
///
/// A caller passes one in ``WriteOptions/progress`` and reads it after a failed attempt, to
/// count what the attempt sent in vain (the cache's `wastedOnFailedAttempts`). Safe to update
/// from the parts' tasks at once.
public final class TransferProgress: Sendable {
    private let counter = Atomic<UInt64>(0)

    public init() {}

    /// The bytes counted so far.
    public var bytes: UInt64 { counter.load(ordering: .relaxed) }

    /// Counts `count` more bytes.
    public func add(_ count: UInt64) {
        counter.wrappingAdd(count, ordering: .relaxed)
    }
}
