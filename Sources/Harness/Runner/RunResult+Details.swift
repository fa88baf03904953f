import FaultInjection
import Histogram
import Platform
import WriteCache

extension ScenarioRunner {
    /// The flush latencies as an HDR histogram (microseconds).
    static func flushHistogram(_ latencies: [Duration]) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        for duration in latencies { _ = histogram.record(UInt64(max(0, duration.inMilliseconds * 1000))) }
        return histogram
    }

    /// Latency percentile curves (p0 to p99.99) of the flushes and of every cache operation seen.
    static func percentileCurves(state: FlushWorkload.Record.State, metrics: CacheMetrics) -> [String: [PercentilePoint]] {
        func curve(_ histogram: Histogram<UInt64>) -> [PercentilePoint] {
            PercentilePoint.percentiles.map { percentile in
                PercentilePoint(percentile: percentile, ms: (Double(histogram.valueAtPercentile(percentile)) / 1000 * 1000).rounded() / 1000)
            }
        }
        var curves: [String: [PercentilePoint]] = [:]
        let flush = flushHistogram(state.latencies)
        if flush.totalCount > 0 { curves["flush"] = curve(flush) }
        for operation in CacheOperation.allCases where operation != .flush {
            if let histogram = metrics.latency(operation), histogram.totalCount > 0 { curves[operation.rawValue] = curve(histogram) }
        }
        return curves
    }

    /// What each of `scenario`'s phases did: throughput and latency inside its window, and its
    /// recovery (``PhaseRecovery``).
    ///
    /// - Parameters:
    ///   - origin: the run's start (the clock phases count on); `start`: the workload's start.
    ///   - flushEnd: when the flushes ended.
    static func phaseReports(_ scenario: Scenario, state: FlushWorkload.Record.State, faults: FaultTraceSummary,
                             origin: ContinuousClock.Instant, start: ContinuousClock.Instant,
                             flushEnd: ContinuousClock.Instant) -> [PhaseReport] {
        guard !scenario.phases.isEmpty else { return [] }
        let offset = (start - origin).seconds
        let completions = state.completions.map { (at: $0.at.seconds + offset, bytes: $0.bytes) }
        let segments = PhaseRecovery.segments(completions, end: (flushEnd - origin).seconds)
        var firstRule = scenario.faults.count
        var reports: [PhaseReport] = []
        for phase in scenario.phases {
            let from = phase.from.inSeconds, to = phase.to.inSeconds
            let rules = firstRule..<(firstRule + phase.faults.count)
            firstRule = rules.upperBound
            let inside = completions.filter { $0.at >= from && $0.at < to }
            let window = max(min(to, (flushEnd - origin).seconds) - from, 0.000_001)
            let ended = state.ends.filter { end in
                let at = (end.at - origin).seconds
                return at >= from && at < to
            }
            let latency = ended.isEmpty ? nil : summary(flushHistogram(ended.map(\.latency)))
            let baseline = PhaseRecovery.baseline(segments, from: from)
            reports.append(PhaseReport(
                name: phase.name, fromSeconds: from, toSeconds: to,
                faultsInjected: rules.reduce(0) { $0 + (faults.byRule.indices.contains($1) ? faults.byRule[$1] : 0) },
                flushesSucceeded: inside.count,
                acknowledgedMiBps: Double(inside.reduce(0) { $0 + $1.bytes }) / 1_048_576 / window,
                flushLatency: latency, baselineMiBps: baseline,
                recoverySeconds: baseline.flatMap { PhaseRecovery.recoverySeconds(segments, baseline: $0, to: to) }))
        }
        return reports
    }
}
