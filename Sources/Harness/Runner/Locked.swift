import Synchronization

/// A value shared between tasks, behind a `Mutex` (a `Mutex` itself cannot be captured by
/// the closures of a task group).
public final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    public init(_ value: Value) {
        self.value = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<T>(_ body: (inout Value) -> T) -> T {
        value.withLock { body(&$0) }
    }
}
