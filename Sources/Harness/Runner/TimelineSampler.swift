import FaultInjection
import Histogram
import Platform
import Synchronization
import WriteCache

/// Samples a run's state every ``TimelineSample/interval`` while it works: cumulative flush,
/// byte and fault counters, the cache's usage against its capacity, and the latency of the
/// flushes that ended in each interval. The report's charts draw these samples.
///
/// At most ``maxSamples`` are kept: when a long run reaches that, every other sample is dropped
/// and the interval doubles (the kept samples' counters stay exact; their per-interval latency
/// is the later interval's).
final class TimelineSampler: Sendable {
    /// The most samples kept.
    static let maxSamples = 2400

    private struct State {
        var samples: [TimelineSample] = []
        var endsSeen = 0
        var interval = TimelineSample.interval
    }

    private let state = Mutex(State())
    private let origin: ContinuousClock.Instant
    private let cache: WriteCache
    private let faults: FaultTrace
    private let record: FlushWorkload.Record
    private let live: (metrics: LiveMetrics, scenario: String)?

    /// - Parameters:
    ///   - origin: the run's start (sample times count from it).
    ///   - cache: the run's write cache (bytes, cache usage).
    ///   - faults: the fault store's trace (faults injected).
    ///   - record: the workload's record (flushes and their latencies).
    ///   - live: where each sample is also published (live metrics), with the scenario's name.
    init(origin: ContinuousClock.Instant, cache: WriteCache, faults: FaultTrace, record: FlushWorkload.Record,
         live: (metrics: LiveMetrics, scenario: String)? = nil) {
        self.origin = origin
        self.cache = cache
        self.faults = faults
        self.record = record
        self.live = live
        if let live { live.metrics.begin(scenario: live.scenario) }
    }

    /// Takes one sample now.
    func sample() {
        let now = ContinuousClock.now
        let bytes = cache.metrics.bytes
        let statistics = cache.fileCache.statistics()
        let injected = faults.count
        let cursor = state.withLock { $0.endsSeen }
        let (succeeded, failed, newEnds, total) = record.state.withLock { record in
            (record.succeeded, record.failed, Array(record.ends.dropFirst(cursor).map(\.latency)), record.ends.count)
        }
        defer { publish(newEnds) }
        let latencies = newEnds.map(\.inMilliseconds).sorted()
        let sample = TimelineSample(
            atSeconds: (now - origin).seconds, flushesSucceeded: succeeded, flushesFailed: failed,
            acknowledgedBytes: bytes.uploadedAcknowledged, uploadedBytes: bytes.uploaded, wastedBytes: bytes.wastedOnFailedAttempts,
            deletedRemotelyBytes: bytes.deletedRemotely, faultsInjected: injected,
            cacheUsedBytes: statistics.committedBytes + statistics.reservedBytes, cacheCapacityBytes: statistics.capacity,
            flushP50Ms: latencies.isEmpty ? nil : Self.rounded(latencies[(latencies.count - 1) / 2]),
            flushMaxMs: latencies.last.map(Self.rounded))
        state.withLock { state in
            state.endsSeen = total
            state.samples.append(sample)
            if state.samples.count >= Self.maxSamples {
                state.samples = state.samples.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                state.interval *= 2
            }
        }
    }

    /// Samples until cancelled.
    func run() async {
        while !Task.isCancelled {
            sample()
            let interval = state.withLock { $0.interval }
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// The samples so far, after one last one.
    func samples() -> [TimelineSample] {
        sample()
        return state.withLock { $0.samples }
    }

    /// Publishes the latest sample and the flush latencies that ended with it to the live metrics.
    private func publish(_ flushLatencies: [Duration]) {
        guard let live, let sample = state.withLock({ $0.samples.last }) else { return }
        let metrics = cache.metrics
        var operations: [String: OperationCounters] = [:]
        for (operation, counters) in metrics.operations { operations[operation.rawValue] = counters }
        var latency: [String: (p50Ms: Double, p99Ms: Double)] = [:]
        for operation in CacheOperation.allCases {
            guard let histogram = metrics.latency(operation), histogram.totalCount > 0 else { continue }
            latency[operation.rawValue] = (Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000)
        }
        var byKind: [String: Int] = [:]
        for record in faults.records() { byKind[record.kind.rawValue, default: 0] += 1 }
        live.metrics.observe(scenario: live.scenario, sample: sample, operations: operations, operationLatency: latency,
                             faultsByKind: byKind, flushLatencies: flushLatencies)
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
