public import FaultInjection
public import WriteCache

/// The result of one scenario run: the JSON document CI and dashboards read (DESIGN.md
/// "Results"). Field names are a contract: extend, never rename.
public struct RunResult: Sendable, Codable {
    public var scenario: String
    public var description: String
    public var file: String
    public var seed: UInt64
    public var store: String
    public var startTime: String
    public var durationSeconds: Double
    public var gitCommit: String?
    public var machine: MachineInfo
    public var throughput: Throughput
    /// Latency per operation (`flush` end to end, `upload`, `download`, ...), milliseconds.
    public var latency: [String: LatencySummary]
    public var bytes: Bytes
    /// Count, failures and retries per operation.
    public var ops: [String: OperationCounters]
    public var faults: FaultsReport
    public var flushes: FlushCounts
    /// The first failures, for diagnosis.
    public var failures: [FlushFailure]
    public var reads: ReadCounts
    /// Every acknowledged remote object, so anyone can verify the remote independently.
    public var objects: [ObjectRecord]
    /// Remote leftovers whose clean-up failed, for garbage collection: `key`, `reason`, `code`,
    /// and `uploadId` when the leftover is an incomplete multipart upload (abort it by id; the
    /// object under the key is not touched). None names an acknowledged object without an id.
    public var knownOrphans: [KnownOrphan]
    public var unknownOrphans: [String]
    public var memory: MemoryReport
    public var cache: CacheReport
    /// Throughput over time, in segments of equal length.
    public var segments: [Segment]
    public var checks: [CheckResult]
    public var expectations: [ExpectationResult]
    public var passed: Bool
}

public struct MachineInfo: Sendable, Codable {
    public var cores: Int
    public var memoryBytes: UInt64
    public var os: String
}

public struct Throughput: Sendable, Codable {
    public var flushesPerSecond: Double
    /// SST bytes produced per second of the flush phase.
    public var encodedMiBps: Double
    /// Bytes sent to the store (every attempt) per second of the flush phase.
    public var uploadedMiBps: Double
}

public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: UInt64
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
}

public struct Bytes: Sendable, Codable, Equatable {
    public var encoded: UInt64
    public var writtenToCache: UInt64
    public var uploaded: UInt64
    public var uploadedAcknowledged: UInt64
    public var downloaded: UInt64
    public var deletedRemotely: UInt64
    public var deletedLocally: UInt64
    public var wastedOnFailedAttempts: UInt64
}

public struct FaultsReport: Sendable, Codable {
    public var injected: Int
    public var byKind: [String: Int]
    public var byRule: [Int]
    /// Which rule hit which operation on which key, at which attempt.
    public var trace: [FaultRecord]
}

public struct FlushCounts: Sendable, Codable, Equatable {
    public var attempted: Int
    public var succeeded: Int
    public var failed: Int
    /// Flushes that produced no rows (nothing to upload).
    public var empty: Int
}

public struct FlushFailure: Sendable, Codable {
    public var flush: Int
    public var region: UInt64
    public var code: String
    public var message: String
}

public struct ReadCounts: Sendable, Codable, Equatable {
    public var attempted: Int
    public var succeeded: Int
    public var failed: Int
}

public struct ObjectRecord: Sendable, Codable, Equatable {
    public var key: String
    public var bytes: UInt64
    /// SHA-256 of the content, base64.
    public var checksum: String
    public var rows: UInt64
}

public struct MemoryReport: Sendable, Codable {
    public var peakAllocatedBytes: UInt64
    public var peakResidentBytes: UInt64
    /// `jemalloc` when the figures come from jemalloc, else `rusage` (peak RSS only).
    public var source: String
}

public struct CacheReport: Sendable, Codable {
    public var statistics: FileCacheStatistics
    public var recovery: RecoveryReport
}

public struct Segment: Sendable, Codable, Equatable {
    public var startSeconds: Double
    public var endSeconds: Double
    public var flushesCompleted: Int
    public var uploadedMiB: Double
    public var MiBps: Double
}

public struct CheckResult: Sendable, Codable, Equatable {
    public var name: String
    public var passed: Bool
    public var detail: String
}

public struct ExpectationResult: Sendable, Codable, Equatable {
    public var name: String
    public var expected: String
    public var actual: String
    public var passed: Bool
}
