/// Where a component runs its blocking calls: on the blocking-I/O pool (``BlockingIO``), or
/// inline in the calling task when they never block (an ``InMemoryFileSystem``).
///
/// Inline execution keeps a simulation deterministic and fast: no thread hop, no pool
/// scheduling, the calling task's executor runs everything.
public enum BlockingExecutor: Sendable, Hashable {
    /// ``BlockingIO``'s thread pool (the default).
    case threadPool
    /// Synchronously in the calling task.
    case inline

    /// Runs `body` and returns its result; skipped when the task is already cancelled (like
    /// ``BlockingIO/run(_:)``).
    ///
    /// - Throws: what `body` threw, or `CancellationError` when the task was cancelled first.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        switch self {
        case .threadPool:
            return try await BlockingIO.run(body)
        case .inline:
            try Task.checkCancellation()
            return try body()
        }
    }

    /// Runs `body` even when the task is cancelled, for clean-up (like
    /// ``BlockingIO/runToCompletion(_:)``).
    public func runToCompletion<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        switch self {
        case .threadPool: try await BlockingIO.runToCompletion(body)
        case .inline: try body()
        }
    }
}
