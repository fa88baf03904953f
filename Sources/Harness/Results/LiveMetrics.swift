public import Prometheus
import Synchronization
public import WriteCache

/// A run's figures as Prometheus metrics while it works (`run --metrics-port`): flushes and
/// their latency histogram, cache operations (count, failures, retries, latency quantiles),
/// faults injected by kind, bytes, and the cache's usage against its capacity. Every series has
/// a `scenario` label.
///
/// The runner's timeline sampler calls ``observe(scenario:sample:operations:operationLatency:faultsByKind:flushLatencies:)``
/// every 250 ms with cumulative figures; counters advance by the difference since the last call,
/// so repeated runs of a scenario add up (``begin(scenario:)`` starts a run's differences at zero).
public final class LiveMetrics: Sendable {
    /// The registry the HTTP endpoint renders.
    public let registry: PrometheusCollectorRegistry
    private let last = Mutex<[String: Double]>([:])

    /// Buckets of the flush latency histogram.
    static let flushBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                           .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
                                           .seconds(10), .seconds(30)]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Starts a new run of `scenario`: its cumulative figures count from zero again.
    public func begin(scenario: String) {
        last.withLock { values in values = values.filter { !$0.key.hasPrefix(scenario + "\u{1F}") } }
    }

    /// Publishes one sample of a run.
    ///
    /// - Parameters:
    ///   - operations: cumulative counters per cache operation.
    ///   - operationLatency: p50 and p99 (ms) per operation so far.
    ///   - faultsByKind: cumulative faults injected per kind.
    ///   - flushLatencies: the latencies of the flushes that ended since the last call.
    public func observe(scenario: String, sample: TimelineSample, operations: [String: OperationCounters],
                        operationLatency: [String: (p50Ms: Double, p99Ms: Double)], faultsByKind: [String: Int],
                        flushLatencies: [Duration]) {
        let s = ("scenario", scenario)
        advance("flushes", [s, ("outcome", "succeeded")], to: Double(sample.flushesSucceeded), help: "Flushes that ended, by outcome.")
        advance("flushes", [s, ("outcome", "failed")], to: Double(sample.flushesFailed), help: "Flushes that ended, by outcome.")
        let histogram = registry.makeDurationHistogram(
            descriptor: Self.name("flush_latency", "seconds", "Flush latency, end to end (from the scheduled time in open-loop arrival)."),
            labels: [s], buckets: Self.flushBuckets)
        for latency in flushLatencies { histogram.record(latency) }
        for (operation, counters) in operations {
            let labels = [s, ("operation", operation)]
            advance("operations", labels, to: Double(counters.count), help: "Cache operations completed.")
            advance("operation_failures", labels, to: Double(counters.failed), help: "Cache operations that failed in the end.")
            advance("operation_retries", labels, to: Double(counters.retried), help: "Retries of cache operations (attempts after the first).")
        }
        for (operation, latency) in operationLatency {
            for (quantile, ms) in [("0.5", latency.p50Ms), ("0.99", latency.p99Ms)] {
                registry.makeGauge(descriptor: Self.name("operation_latency", "seconds", "Cache operation latency quantiles so far (HDR histogram)."),
                                   labels: [s, ("operation", operation), ("quantile", quantile)]).set(ms / 1000)
            }
        }
        for (kind, count) in faultsByKind {
            advance("faults_injected", [s, ("kind", kind)], to: Double(count), help: "Faults injected, by kind.")
        }
        for (kind, bytes) in [("acknowledged", sample.acknowledgedBytes), ("uploaded", sample.uploadedBytes),
                              ("wasted", sample.wastedBytes), ("deleted_remotely", sample.deletedRemotelyBytes)] {
            advance("bytes", [s, ("kind", kind)], to: Double(bytes), help: "Bytes, by kind.")
        }
        registry.makeGauge(descriptor: Self.name("cache_used", "bytes", "Bytes the cache holds."), labels: [s]).set(Double(sample.cacheUsedBytes))
        registry.makeGauge(descriptor: Self.name("cache_capacity", "bytes", "The cache's capacity."), labels: [s]).set(Double(sample.cacheCapacityBytes))
    }

    /// `flushbench_<metric>_<unit>`, with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "flushbench", metricName: metric, unitName: unit, helpText: help)
    }

    /// Advances the counter `flushbench_<name>_total{labels}` to the cumulative `value` (by its
    /// difference since last time).
    private func advance(_ name: String, _ labels: [(String, String)], to value: Double, help: String) {
        let key = ([labels[0].1, name] + labels.dropFirst().map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1F}")
        let delta = last.withLock { values -> Double in
            let previous = values[key] ?? 0
            values[key] = max(previous, value)
            return max(0, value - previous)
        }
        let counter = registry.makeCounter(descriptor: Self.name(name, "total", help), labels: labels)
        if delta > 0 { counter.increment(by: delta) }
    }
}
