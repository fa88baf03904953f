import Foundation
import Platform

/// An A/A calibration: the same build run against itself, interleaved, to measure how much each
/// timed metric moves on this machine when nothing changed, and the thresholds that noise calls for.
public struct GateCalibration: Sendable {
    /// One metric's noise in one scenario.
    public struct Noise: Sendable {
        public var scenario: String
        public var metric: String
        public var unit: String
        /// Runs on both sides together.
        public var runs: Int
        /// The coefficient of variation over all runs (stddev / mean).
        public var coefficientOfVariation: Double?
        /// The A/A median ratio's bootstrap 95% interval.
        public var ratioInterval: ClosedRange<Double>?
        /// The A/A test's Holm-adjusted p (large when the sides are alike, as they should be).
        public var adjustedP: Double?
        /// The threshold in force.
        public var current: MetricThreshold
        /// The threshold the noise calls for: twice the A/A interval's largest distance from 1,
        /// rounded up to 5%, at least 5%, keeping the current absolute floor.
        public var recommended: MetricThreshold
    }

    /// The A/A comparison (it should pass: nothing changed).
    public var report: GateReport
    public var noise: [Noise]

    /// The calibration of an A/A comparison.
    public init(aa report: GateReport) {
        self.report = report
        self.noise = report.scenarios.flatMap { scenario in
            scenario.metrics.map { metric in
                let values = (metric.baseline?.values ?? []) + (metric.current?.values ?? [])
                let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
                let variance = values.count < 2 ? 0 : values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
                let spread = metric.ratioInterval.map { max(abs($0.lowerBound - 1), abs($0.upperBound - 1)) }
                let relative = spread.map { max(0.05, (2 * $0 * 20).rounded(.up) / 20) } ?? metric.threshold.relative
                return Noise(scenario: scenario.scenario, metric: metric.name, unit: metric.unit, runs: values.count,
                             coefficientOfVariation: mean != 0 && values.count > 1 ? variance.squareRoot() / abs(mean) : nil,
                             ratioInterval: metric.ratioInterval, adjustedP: metric.adjustedP, current: metric.threshold,
                             recommended: MetricThreshold(relative: relative, absolute: metric.threshold.absolute))
            }
        }
    }

    /// Whether the A/A comparison passed (no timing called a change, counters identical).
    public var passed: Bool { report.verdict == .pass }

    /// The calibration as Markdown: the A/A verdict and one row per scenario and metric.
    public func markdown() -> String {
        var lines = ["# flushbench gate --calibrate (A/A): \(passed ? "PASS" : "FAIL (\(report.verdict))")", ""]
        lines.append("The same executable against itself, interleaved; the noise of each timed metric on this machine and the "
            + "threshold it calls for (twice the A/A median ratio's 95% interval distance from 1, rounded up to 5%, at least 5%).")
        lines += ["", "| scenario | metric | runs | CV | A/A median ratio, 95% CI | p (Holm) | threshold now | recommended |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for item in noise {
            let interval = item.ratioInterval.map { "\(ratio($0.lowerBound))–\(ratio($0.upperBound))" } ?? "—"
            lines.append("| \(item.scenario) | \(item.metric) | \(item.runs) | "
                + (item.coefficientOfVariation.map { String(format: "%.1f%%", $0 * 100) } ?? "—") + " | \(interval) | "
                + "\(pValue(item.adjustedP)) | ±\(percent(item.current.relative)) | ±\(percent(item.recommended.relative)) |")
        }
        if !report.reasons.isEmpty {
            lines += ["", "The A/A comparison found differences (a flaky counter or a noisy metric):", ""]
            lines += report.reasons.map { "- " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the recommended thresholds into the thresholds file at `path` as per-scenario
    /// overrides, keeping everything else in it (created when missing), and checks the result loads.
    ///
    /// - Errors: ``GateInputError`` (code `thresholds`) when the file cannot be read, written or reloaded.
    public func write(thresholdsFile path: String) throws(GateInputError) {
        var root: [String: Any] = [:]
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw GateInputError(code: "thresholds", "\(path): cannot read a JSON object to update")
            }
            root = object
        }
        var scenarios = root["scenarios"] as? [String: Any] ?? [:]
        for item in noise {
            var scenario = scenarios[item.scenario] as? [String: Any] ?? [:]
            var metrics = scenario["metrics"] as? [String: Any] ?? [:]
            var threshold: [String: Any] = ["relative": item.recommended.relative]
            if item.recommended.absolute > 0 { threshold["absolute"] = item.recommended.absolute }
            metrics[item.metric] = threshold
            scenario["metrics"] = metrics
            scenarios[item.scenario] = scenario
        }
        root["scenarios"] = scenarios
        do {
            let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw GateInputError(code: "thresholds", "\(path): cannot write the thresholds: \(error.localizedDescription)")
        }
        _ = try GateThresholds.load(path: path)
    }
}
