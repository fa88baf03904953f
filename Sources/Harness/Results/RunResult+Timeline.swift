/// One sample of a run's state, taken while it works (every ``interval`` by the runner).
///
/// Counters are cumulative since the run's start, so any interval's rate is the difference of
/// two samples; the report's charts read them (throughput, faults, cache usage, bytes).
public struct TimelineSample: Sendable, Codable, Equatable {
    /// The runner's sampling interval, in seconds.
    public static let interval = 0.25

    /// Seconds since the run's start (the clock fault phases and `window`s count on).
    public var atSeconds: Double
    /// Flushes acknowledged so far.
    public var flushesSucceeded: Int
    /// Flushes failed so far.
    public var flushesFailed: Int
    /// Bytes of acknowledged flushes so far.
    public var acknowledgedBytes: UInt64
    /// Bytes sent to the store so far, every attempt counted.
    public var uploadedBytes: UInt64
    /// Bytes sent by attempts that failed, so far.
    public var wastedBytes: UInt64
    /// Bytes deleted from the remote store so far (clean-up of failed flushes).
    public var deletedRemotelyBytes: UInt64
    /// Faults injected so far.
    public var faultsInjected: Int
    /// Bytes the cache holds (committed and reserved).
    public var cacheUsedBytes: UInt64
    /// The cache's capacity.
    public var cacheCapacityBytes: UInt64
    /// Median latency of the flushes that ended since the previous sample, ms (`nil`: none ended).
    public var flushP50Ms: Double?
    /// Longest latency of the flushes that ended since the previous sample, ms.
    public var flushMaxMs: Double?

    public init(atSeconds: Double, flushesSucceeded: Int = 0, flushesFailed: Int = 0, acknowledgedBytes: UInt64 = 0,
                uploadedBytes: UInt64 = 0, wastedBytes: UInt64 = 0, deletedRemotelyBytes: UInt64 = 0, faultsInjected: Int = 0,
                cacheUsedBytes: UInt64 = 0, cacheCapacityBytes: UInt64 = 0, flushP50Ms: Double? = nil, flushMaxMs: Double? = nil) {
        self.atSeconds = atSeconds
        self.flushesSucceeded = flushesSucceeded
        self.flushesFailed = flushesFailed
        self.acknowledgedBytes = acknowledgedBytes
        self.uploadedBytes = uploadedBytes
        self.wastedBytes = wastedBytes
        self.deletedRemotelyBytes = deletedRemotelyBytes
        self.faultsInjected = faultsInjected
        self.cacheUsedBytes = cacheUsedBytes
        self.cacheCapacityBytes = cacheCapacityBytes
        self.flushP50Ms = flushP50Ms
        self.flushMaxMs = flushMaxMs
    }
}

/// One point of a latency percentile curve.
public struct PercentilePoint: Sendable, Codable, Equatable {
    /// The percentile, 0 to 99.99.
    public var percentile: Double
    /// The latency at that percentile, ms.
    public var ms: Double

    public init(percentile: Double, ms: Double) {
        self.percentile = percentile
        self.ms = ms
    }

    /// The percentiles every curve has: p0 to p99.99, denser towards the tail.
    public static let percentiles: [Double] = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99]
}

/// What one fault phase did to a run: its window, the throughput and latency inside it, and
/// how long throughput took to come back after it.
public struct PhaseReport: Sendable, Codable, Equatable {
    /// The phase's name in the scenario.
    public var name: String
    /// The phase's window, seconds from the run's start.
    public var fromSeconds: Double
    public var toSeconds: Double
    /// Faults the phase's rules injected.
    public var faultsInjected: Int
    /// Flushes acknowledged inside the window.
    public var flushesSucceeded: Int
    /// Goodput inside the window (bytes of acknowledged flushes), MiB/s.
    public var acknowledgedMiBps: Double
    /// Latency of the flushes that ended inside the window (`nil`: none ended).
    public var flushLatency: LatencySummary?
    /// The median one-second segment of goodput before the phase, MiB/s (`nil`: the phase
    /// starts before one whole segment of the run).
    public var baselineMiBps: Double?
    /// Seconds from the phase's end until three consecutive one-second segments are back at
    /// >= 0.9x ``baselineMiBps``; `nil` when that never happened before the flushes ended (or
    /// there is no baseline).
    public var recoverySeconds: Double?

    public init(name: String, fromSeconds: Double, toSeconds: Double, faultsInjected: Int, flushesSucceeded: Int,
                acknowledgedMiBps: Double, flushLatency: LatencySummary?, baselineMiBps: Double?, recoverySeconds: Double?) {
        self.name = name
        self.fromSeconds = fromSeconds
        self.toSeconds = toSeconds
        self.faultsInjected = faultsInjected
        self.flushesSucceeded = flushesSucceeded
        self.acknowledgedMiBps = acknowledgedMiBps
        self.flushLatency = flushLatency
        self.baselineMiBps = baselineMiBps
        self.recoverySeconds = recoverySeconds
    }
}

extension PhaseReport {
    // `recoverySeconds` and `baselineMiBps` are written as null when absent (readers can tell
    // "never recovered" from an older document without the field).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(fromSeconds, forKey: .fromSeconds)
        try c.encode(toSeconds, forKey: .toSeconds)
        try c.encode(faultsInjected, forKey: .faultsInjected)
        try c.encode(flushesSucceeded, forKey: .flushesSucceeded)
        try c.encode(acknowledgedMiBps, forKey: .acknowledgedMiBps)
        try c.encodeIfPresent(flushLatency, forKey: .flushLatency)
        try c.encode(baselineMiBps, forKey: .baselineMiBps)
        try c.encode(recoverySeconds, forKey: .recoverySeconds)
    }
}
