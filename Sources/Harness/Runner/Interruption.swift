import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT and SIGTERM into cancellation: the first signal cancels the work so the run
/// stops its flushes and cleans up what it made; a second one exits at once (status 128 + signal).
///
/// The signals are ignored first and then watched by Dispatch signal sources, whose handlers run
/// on a Dispatch queue: no handler runs on (or blocks) Swift's cooperative threads, and nothing
/// async-signal-unsafe runs inside a real signal handler.
public final class Interruption: Sendable {
    private struct State {
        var signal: Int32?
        var onFirst: [@Sendable (Int32) -> Void] = []
    }

    private let state = Mutex(State())
    // Dispatch sources are not Sendable; they are only kept alive here, never touched again.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    private init() {}

    /// Starts watching SIGINT and SIGTERM for the rest of the process's life.
    ///
    /// - Parameter notice: told once, on the first signal (e.g. to print that clean-up started).
    public static func install(notice: @escaping @Sendable (Int32) -> Void = { _ in }) -> Interruption {
        let interruption = Interruption()
        interruption.state.withLock { $0.onFirst.append(notice) }
        for number in [SIGINT, SIGTERM] {
            _ = Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue.global())
            source.setEventHandler { [interruption] in interruption.received(number) }
            source.resume()
            interruption.sources.append(source)
        }
        return interruption
    }

    /// The first signal received, if any.
    public var signal: Int32? { state.withLock { $0.signal } }

    /// The exit status after an interruption: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: ExitStatus? { signal.map { $0 == SIGTERM ? .terminated : .interrupted } }

    /// Runs `body` in a task that the first signal cancels, and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let alreadySignalled = state.withLock { state -> Bool in
            state.onFirst.append { _ in task.cancel() }
            return state.signal != nil
        }
        if alreadySignalled { task.cancel() }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private func received(_ number: Int32) {
        let handlers = state.withLock { state -> [@Sendable (Int32) -> Void]? in
            guard state.signal == nil else { return nil }
            state.signal = number
            return state.onFirst
        }
        guard let handlers else {
            // A second signal: the user does not want to wait for the clean-up.
            _exit(128 + number)
        }
        for handler in handlers { handler(number) }
    }
}

/// A run was interrupted by a signal; it stopped its flushes and removed what it made.
public struct RunInterrupted: Error, Sendable, CustomStringConvertible {
    /// `interrupted`, as a metrics label.
    public let code = "interrupted"
    /// The scenario that was running.
    public var scenario: String
    /// What the clean-up did (and what it could not do).
    public var cleanup: [String]

    public var description: String {
        "scenario \(scenario): interrupted; " + (cleanup.isEmpty ? "nothing to clean up" : cleanup.joined(separator: "; ")) + " [\(code)]"
    }
}
