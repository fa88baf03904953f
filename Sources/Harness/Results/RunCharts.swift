/// The charts of one run result, as SVG documents: what the HTML report shows and `run` writes
/// beside it as `.svg` files.
public enum RunCharts {
    /// One chart: its kind (the file name's suffix, the `data-chart` attribute) and its SVG.
    public struct Chart: Sendable, Equatable {
        public var kind: String
        public var svg: String
    }

    /// The kinds of chart every report has, in order, with the series each one draws when the
    /// run has the data (the browser test checks them).
    public static let kinds = ["throughput", "latency", "flush-latency", "bytes", "cache"]

    /// The charts of `result`.
    public static func charts(_ result: RunResult) -> [Chart] {
        [throughput(result), latency(result), flushLatency(result), bytes(result), cache(result)]
    }

    static func throughput(_ result: RunResult) -> Chart {
        let bands = (result.phases ?? []).map { ChartBand(label: "phase \($0.name)", from: $0.fromSeconds, to: $0.toSeconds) }
        var series: [ChartSeries] = []
        var markers: [ChartMarker] = []
        if let timeline = result.timeline, timeline.count > 1 {
            var acknowledged: [(x: Double, y: Double)] = [], attempted: [(x: Double, y: Double)] = []
            for (previous, sample) in zip(rateAnchors(timeline), rateAnchors(timeline).dropFirst()) {
                let seconds = max(sample.atSeconds - previous.atSeconds, 0.001)
                acknowledged.append((sample.atSeconds, Double(sample.acknowledgedBytes &- previous.acknowledgedBytes) / 1_048_576 / seconds))
                attempted.append((sample.atSeconds, Double(sample.uploadedBytes &- previous.uploadedBytes) / 1_048_576 / seconds))
                let faults = sample.faultsInjected - previous.faultsInjected
                if faults > 0 {
                    markers.append(ChartMarker(x: sample.atSeconds, label: "\(faults) fault(s) injected by \(SVGChart.format(sample.atSeconds)) s"))
                }
            }
            series = [ChartSeries(name: "acknowledged MiB/s", points: acknowledged), ChartSeries(name: "attempted MiB/s", points: attempted)]
        } else {
            // Older documents: the ten throughput segments of the flush phase.
            series = [ChartSeries(name: "acknowledged MiB/s", points: result.segments.map { (($0.startSeconds + $0.endSeconds) / 2, $0.MiBps) })]
        }
        return Chart(kind: "throughput", svg: SVGChart.timeSeries(
            id: "throughput", title: "\(result.scenario): throughput over time", yLabel: "MiB/s", series: series, bands: bands, markers: markers))
    }

    /// The samples rates are computed between: about one second apart (a flush completes in
    /// steps, so shorter intervals show its granularity, not the rate), and the last one.
    static func rateAnchors(_ timeline: [TimelineSample]) -> [TimelineSample] {
        guard var last = timeline.first else { return [] }
        var anchors = [last]
        for sample in timeline.dropFirst() where sample.atSeconds - last.atSeconds >= PhaseRecovery.segmentSeconds - 1e-9 {
            anchors.append(sample)
            last = sample
        }
        if let final = timeline.last, final.atSeconds > last.atSeconds { anchors.append(final) }
        return anchors
    }

    static func latency(_ result: RunResult) -> Chart {
        let series: [ChartSeries]
        if let curves = result.latencyPercentiles, !curves.isEmpty {
            series = curves.sorted { $0.key < $1.key }.map { name, points in
                ChartSeries(name: name, points: points.map { ($0.percentile, $0.ms) })
            }
        } else {
            series = result.latency.sorted { $0.key < $1.key }.map { name, summary in
                ChartSeries(name: name, points: [(50, summary.p50Ms), (90, summary.p90Ms), (99, summary.p99Ms)])
            }
        }
        return Chart(kind: "latency", svg: SVGChart.percentileCurves(id: "latency", title: "\(result.scenario): latency percentiles", series: series))
    }

    static func flushLatency(_ result: RunResult) -> Chart {
        let timeline = result.timeline ?? []
        let p50 = timeline.compactMap { sample in sample.flushP50Ms.map { (x: sample.atSeconds, y: $0) } }
        let maximum = timeline.compactMap { sample in sample.flushMaxMs.map { (x: sample.atSeconds, y: $0) } }
        let bands = (result.phases ?? []).map { ChartBand(label: "phase \($0.name)", from: $0.fromSeconds, to: $0.toSeconds) }
        return Chart(kind: "flush-latency", svg: SVGChart.timeSeries(
            id: "flush-latency", title: "\(result.scenario): flush latency over time", yLabel: "ms",
            series: [ChartSeries(name: "p50", points: p50), ChartSeries(name: "max", points: maximum)], bands: bands))
    }

    static func bytes(_ result: RunResult) -> Chart {
        let bytes = result.bytes
        let values: [(label: String, value: Double)] = [
            ("encoded", bytes.encoded), ("uploaded", bytes.uploaded), ("acknowledged", bytes.uploadedAcknowledged),
            ("wasted", bytes.wastedOnFailedAttempts), ("deleted remotely", bytes.deletedRemotely),
            ("deleted locally", bytes.deletedLocally), ("downloaded", bytes.downloaded),
        ].map { ($0.0, Double($0.1) / 1_048_576) }
        return Chart(kind: "bytes", svg: SVGChart.bars(id: "bytes", title: "\(result.scenario): bytes", unit: "MiB", values: values))
    }

    static func cache(_ result: RunResult) -> Chart {
        let timeline = result.timeline ?? []
        let used = timeline.map { (x: $0.atSeconds, y: Double($0.cacheUsedBytes) / 1_048_576) }
        let capacity = timeline.map { (x: $0.atSeconds, y: Double($0.cacheCapacityBytes) / 1_048_576) }
        return Chart(kind: "cache", svg: SVGChart.timeSeries(
            id: "cache", title: "\(result.scenario): cache usage", yLabel: "MiB",
            series: [ChartSeries(name: "used", points: used), ChartSeries(name: "capacity", points: capacity, dashed: true)]))
    }
}
