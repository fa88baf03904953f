public import FaultInjection
public import WriteCache

/// The result of one scenario run: the JSON document CI and dashboards read (DESIGN.md
/// "Results"). Field names are a contract: extend, never rename.
public struct RunResult: Sendable, Codable {
    /// The document's format, so tools and later versions can tell formats apart: 1 since run ids
    /// and real keys; absent (`nil`) in documents written before it existed.
    public var schemaVersion: Int? = RunResult.currentSchemaVersion
    /// The run's identity (``RunID``); it is a segment of every key in ``objects`` and the orphans.
    public var runId: String?
    /// The remote prefix the run wrote below, its run id included.
    public var remotePrefix: String?
    public var scenario: String
    public var description: String
    public var file: String
    public var seed: UInt64
    public var store: String
    public var startTime: String
    public var durationSeconds: Double
    /// How long each phase took: the workload, the checks, the clean-up.
    public var timings: PhaseTimings
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
    /// Each node fault's outage (`"layer": "cluster"` rules): when the node went down and came
    /// back, the client's retries in between, and how long throughput took to recover.
    public var outages: [NodeOutage]? = nil
    /// A multi-node run's merged document: one section per node (`nil` for a single runner).
    public var nodes: [NodeSection]? = nil
    /// Samples taken while the run worked (cache usage, cumulative bytes, faults, flush
    /// latency per interval), seconds from the run's start; absent in older documents.
    public var timeline: [TimelineSample]? = nil
    /// Latency percentile curves per operation (p0 to p99.99), from the HDR histograms;
    /// absent in older documents.
    public var latencyPercentiles: [String: [PercentilePoint]]? = nil
    /// Each fault phase of the scenario: its throughput, latency and recovery; absent when the
    /// scenario has none.
    public var phases: [PhaseReport]? = nil
}

extension RunResult {
    /// The format this version writes.
    public static let currentSchemaVersion = 1

    /// `key` without this run's id segment: the seeded key, the same in every run of the
    /// scenario and seed (what the gate fingerprints).
    public func seededKey(_ key: String) -> String {
        guard let runId, let remotePrefix, key.hasPrefix(remotePrefix), remotePrefix.hasSuffix(runId + "/") else { return key }
        return String(remotePrefix.dropLast(runId.count + 1)) + key.dropFirst(remotePrefix.count)
    }
}

public struct MachineInfo: Sendable, Codable {
    public var cores: Int
    public var memoryBytes: UInt64
    public var os: String
}

/// Rates over the flush phase, in MiB (2^20 bytes) per second.
public struct Throughput: Sendable, Codable {
    public var flushesPerSecond: Double
    /// SST bytes produced per second of the flush phase.
    public var encodedMiBps: Double
    /// Goodput, the headline rate: bytes of acknowledged flushes (the `objects`) per second of
    /// the flush phase. A run where nothing was acknowledged has 0, however much was sent.
    public var acknowledgedMiBps: Double
    /// Bytes sent to the store per second of the flush phase, every attempt counted, failed
    /// and retried ones included (`bytes.uploaded`).
    public var attemptedMiBps: Double
    /// The same figure as ``attemptedMiBps`` (bytes sent, every attempt), kept under its first
    /// name for existing readers; it is not goodput: read ``acknowledgedMiBps`` for that.
    public var uploadedMiBps: Double
}

/// How long each phase of a run took, in seconds.
public struct PhaseTimings: Sendable, Codable, Equatable {
    /// Flushes and reads, until they finished or were stopped at `timeLimit` (including the
    /// wait for stopped flushes to clean up).
    public var workload: Double
    /// The checks after the run.
    public var checks: Double
    /// The clean-up after the checks: remote leftovers, the cache, a managed server.
    public var cleanup: Double

    public init(workload: Double, checks: Double, cleanup: Double) {
        self.workload = workload
        self.checks = checks
        self.cleanup = cleanup
    }
}

public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: UInt64
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
    /// The HDR histogram behind the percentiles, sparse (microseconds), so results of many
    /// nodes merge exactly instead of averaging percentiles.
    public var histogram: SparseHistogram? = nil
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
    /// What the node faults of a managed cluster did, with their times (wall-clock: a scenario
    /// with them is never one of the gate's seeded-counter scenarios).
    public var nodeFaults: [NodeFaultEvent]? = nil
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
    /// The runner process's own peak resident set (`ru_maxrss`), beside jemalloc's figures:
    /// everything resident, not only the heap (absent in results written before it existed).
    public var processPeakRssBytes: UInt64?
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
