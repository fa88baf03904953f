public import Histogram
import Synchronization

/// The operations whose counts and latencies the cache records.
public enum CacheOperation: String, Sendable, Codable, CaseIterable, Comparable {
    /// A whole `writeAndUpload`: produce, commit, upload both files.
    case flush
    /// Producing and committing an SST's files into the cache.
    case writeToCache
    /// Uploading one file (all attempts).
    case upload
    /// Verifying an uploaded object (`stat` after `close`).
    case verify
    /// Downloading one file into the cache.
    case download
    /// A ranged read from the remote store.
    case read
    /// A `stat` of a remote object.
    case stat
    /// Deleting a remote object.
    case delete

    public static func < (lhs: CacheOperation, rhs: CacheOperation) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Byte counters of a write cache (64-bit).
public struct ByteCounters: Sendable, Equatable, Codable {
    /// Bytes written into the cache by SST producers and `putAndUpload`.
    public var writtenToCache: UInt64 = 0
    /// Bytes sent to the remote store, every attempt included.
    public var uploaded: UInt64 = 0
    /// Bytes of uploads that were acknowledged and verified.
    public var uploadedAcknowledged: UInt64 = 0
    /// Bytes received from the remote store.
    public var downloaded: UInt64 = 0
    /// Bytes of remote objects deleted by clean-up.
    public var deletedRemotely: UInt64 = 0
    /// Bytes sent by upload attempts that failed.
    public var wastedOnFailedAttempts: UInt64 = 0

    public init() {}
}

/// Count, failures and retries of one operation.
public struct OperationCounters: Sendable, Equatable, Codable {
    /// Operations completed (succeeded or failed).
    public var count: UInt64 = 0
    /// Operations that failed in the end.
    public var failed: UInt64 = 0
    /// Retries (attempts after the first).
    public var retried: UInt64 = 0

    public init() {}
}

/// One retry: what failed, at which attempt, and how long the cache waited.
public struct RetryEvent: Sendable, Equatable, Codable {
    /// The operation retried.
    public var operation: CacheOperation
    /// The remote key.
    public var key: String
    /// The attempt that failed (1-based).
    public var failedAttempt: Int
    /// The error code of the failure.
    public var code: String
    /// The back-off waited before the next attempt, in milliseconds.
    public var backoffMilliseconds: Double
}

/// Counters and latency histograms of a write cache, safe to update from any task.
///
/// Latencies are recorded in microseconds in HDR histograms (3 significant digits), so
/// percentiles stay exact enough from microseconds to minutes.
public final class CacheMetrics: Sendable {
    struct State {
        var bytes = ByteCounters()
        var operations: [CacheOperation: OperationCounters] = [:]
        var latencies: [CacheOperation: Histogram<UInt64>] = [:]
        var retries: [RetryEvent] = []
    }

    /// Retry events kept in memory at most (the counters keep counting past it).
    public static let retryEventLimit = 100_000
    private let state = Mutex(State())

    public init() {}

    /// Records one finished operation and its latency.
    public func record(_ operation: CacheOperation, duration: Duration, failed: Bool) {
        let micros = UInt64(max(0, duration.components.seconds)) * 1_000_000
            + UInt64(max(0, duration.components.attoseconds) / 1_000_000_000_000)
        state.withLock { state in
            state.operations[operation, default: OperationCounters()].count += 1
            if failed { state.operations[operation, default: OperationCounters()].failed += 1 }
            if state.latencies[operation] == nil {
                // Sized for an hour up front: grown one new maximum at a time, each resize
                // copied the counts (half of a simulated run's time went there).
                var fresh = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
                fresh.autoResize = true
                state.latencies[operation] = fresh
            }
            // Recorded in place, not through a copy taken out of the dictionary.
            _ = state.latencies[operation]!.record(micros)
        }
    }

    /// Records a retry.
    public func recordRetry(_ event: RetryEvent) {
        state.withLock { state in
            state.operations[event.operation, default: OperationCounters()].retried += 1
            if state.retries.count < Self.retryEventLimit { state.retries.append(event) }
        }
    }

    /// Adds to the byte counters.
    public func addBytes(_ update: (inout ByteCounters) -> Void) {
        state.withLock { update(&$0.bytes) }
    }

    /// The byte counters now.
    public var bytes: ByteCounters { state.withLock { $0.bytes } }

    /// Counts per operation now.
    public var operations: [CacheOperation: OperationCounters] { state.withLock { $0.operations } }

    /// Retry events so far (at most ``retryEventLimit``).
    public var retries: [RetryEvent] { state.withLock { $0.retries } }

    /// A copy of the latency histogram of `operation` (microseconds), if it ran.
    public func latency(_ operation: CacheOperation) -> Histogram<UInt64>? {
        state.withLock { $0.latencies[operation] }
    }
}
