import NIOPosix

/// Runs blocking system calls on a dedicated thread pool, never on Swift's cooperative threads.
///
/// File reads, writes, `fsync`, `rename` and directory listings block the calling thread.
/// Swift's cooperative pool has one thread per core (two here), so a single blocked thread
/// halves the process's capacity to run tasks. Every blocking call in flushbench goes through
/// ``BlockingIO/run(_:)`` instead, which hands it to a pool of threads that exist only for that.
public enum BlockingIO {
    /// Threads in the pool: enough for 8 parts in flight per upload and several uploads at once.
    public static let threadCount = 16

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()

    /// Runs `body` on the blocking-I/O pool and returns its result.
    ///
    /// Skips `body` when the task is already cancelled, so it is for work, never for clean-up:
    /// closing descriptors and removing temp files go through ``runToCompletion(_:)``.
    ///
    /// - Parameter body: a synchronous closure that may block (system calls, file I/O).
    /// - Returns: what `body` returned.
    /// - Throws: what `body` threw, or `CancellationError` if the task was cancelled before
    ///   the closure started.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await pool.runIfActive(body)
    }

    /// Runs `body` on the blocking-I/O pool even if the calling task is cancelled.
    ///
    /// For clean-up that must happen whatever the caller's fate: deleting temp files, evicted
    /// files, aborting writes. Cancellation neither skips nor interrupts it.
    public static func runToCompletion<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            pool.submit { _ in
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}
