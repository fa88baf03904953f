public import FaultInjection
public import Servers
import Platform
public import WriteCache

/// One scenario: a flush workload, the store and cache it runs against, the faults to inject,
/// and what must hold afterwards. Decoded from JSON by ``ScenarioLoader``; DESIGN.md's field
/// names are the contract.
public struct Scenario: Sendable {
    /// Short unique name (file names, reports).
    public var name: String
    /// What the scenario proves, in a sentence.
    public var description: String
    /// Seed of the data generator and the fault decisions.
    public var seed: UInt64
    /// The remote store.
    public var store: StoreSpec
    /// The local cache.
    public var cache: CacheSpec
    /// Upload settings.
    public var upload: UploadSpec
    /// Download settings.
    public var download: DownloadSpec
    /// The flushes to replay.
    public var workload: WorkloadSpec
    /// Fault rules, as JSON objects (decoded by the fault layer), with their JSON paths.
    public var faults: [JSONValue]
    /// What must hold after the run.
    public var expect: Expectations
    /// A run that takes longer is stopped and fails.
    public var timeLimit: Duration
    /// The budget of what follows the workload (stopped flushes' clean-up, the checks, the
    /// run's clean-up); a run ends within `timeLimit + cleanupTimeLimit`.
    public var cleanupTimeLimit: Duration
    /// The file it came from.
    public var file: String
    /// The `"layer": "cluster"` rules of `faults` (node faults of a managed cluster), which the
    /// runner plays against the cluster's processes; `faults` holds the others.
    public var clusterFaults: [NodeFault] = []
    /// Timed groups of fault rules, each active only inside its window (beside the always-on
    /// ``faults``).
    public var phases: [FaultPhaseSpec] = []
}

/// A fault phase: rules active from `from` to `to` (wall-clock time since the run's start).
public struct FaultPhaseSpec: Sendable, Equatable {
    /// The phase's name, unique in its scenario (reports).
    public var name: String
    /// When the phase's rules start to apply, since the run's start.
    public var from: Duration
    /// When they stop (exclusive).
    public var to: Duration
    /// The phase's rules as JSON objects, without `window` (the phase gives it).
    public var faults: [JSONValue]

    public init(name: String, from: Duration, to: Duration, faults: [JSONValue]) {
        self.name = name
        self.from = from
        self.to = to
        self.faults = faults
    }

    /// The rules with the phase's window, as the fault layer decodes them.
    public var windowedFaults: [JSONValue] {
        faults.map { rule in
            guard case .object(var fields) = rule else { return rule }
            fields["window"] = .array([.number(JSONNumber(from.inSeconds)), .number(JSONNumber(to.inSeconds))])
            return .object(fields)
        }
    }
}

/// Which remote store a scenario runs against.
public struct StoreSpec: Sendable, Equatable {
    /// `memory`, `fs` or `s3`.
    public enum Kind: String, Sendable, CaseIterable { case memory, fs, s3 }
    public var kind: Kind
    /// S3 endpoint URL; when absent, `AWS_ENDPOINT_URL`, else a managed SeaweedFS.
    public var endpoint: String?
    /// S3 bucket.
    public var bucket: String?
    /// S3 region.
    public var region: String?
    /// Prefix of every object key.
    public var prefix: String
    /// A managed SeaweedFS cluster (master, volume servers, filer, S3 gateway) instead of the
    /// single-process server; only for `s3` without an endpoint.
    public var cluster: SeaweedFSClusterLayout? = nil
}

/// The local cache of a scenario.
public struct CacheSpec: Sendable, Equatable {
    /// Capacity in bytes.
    public var capacity: UInt64
    /// Time-to-idle, if any.
    public var ttl: Duration?
}

/// How uploads go.
public struct UploadSpec: Sendable, Equatable {
    public var partSize: UInt64
    public var concurrency: Int
    public var verify: Bool
    public var retry: RetryPolicy
}

/// How downloads go.
public struct DownloadSpec: Sendable, Equatable {
    public var chunkSize: UInt64
    public var concurrency: Int
}

/// When flushes start.
public enum Arrival: Sendable, Equatable {
    /// Keep `concurrency` flushes in flight.
    case closed
    /// Open loop: `rate` flushes per second, Poisson or evenly spaced.
    case rate(Double, poisson: Bool)
    /// Open loop: the recorded flushes of a trace, each at its time, region and rows.
    case trace(ArrivalTrace)
}

/// The flushes of a scenario.
public struct WorkloadSpec: Sendable, Equatable {
    public var regions: Int
    public var flushesPerRegion: Int
    public var concurrency: Int
    public var rowsPerFlush: Int
    public var rowGroupSize: Int
    /// Write a Puffin index file per SST.
    public var index: Bool
    /// Distinct values of the tag column.
    public var tagCardinality: Int
    /// Read each file back after the flushes.
    public var readsAfterFlush: Bool
    /// Evict the files before reading them back (so reads download).
    public var evictBeforeRead: Bool
    public var arrival: Arrival
    /// The first region number: node `i` of a multi-node run writes regions
    /// `i * regions ..< (i + 1) * regions`, so the nodes never share a region.
    public var firstRegion: Int = 0

    /// The flushes of the workload: a trace's events, else regions x flushesPerRegion.
    public var totalFlushes: Int {
        if case .trace(let trace) = arrival { return trace.events.count }
        return regions * flushesPerRegion
    }
}

/// What must hold after a run. Absent fields are not checked.
public struct Expectations: Sendable, Equatable {
    public var leftoverFiles: Int?
    public var unknownOrphans: Int?
    public var corruptObjects: Int?
    public var minFlushesSucceeded: Int?
    public var maxFlushesFailed: Int?
    public var minFlushesFailed: Int?
    public var minKnownOrphans: Int?
    public var maxKnownOrphans: Int?
    public var minFaultsInjected: Int?
    public var minUploadMiBps: Double?
    public var maxFlushP99: Duration?
}
