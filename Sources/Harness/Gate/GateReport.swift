import Foundation

/// The figures of one metric over a scenario's repeats.
public struct Spread: Sendable, Equatable {
    public var values: [Double]
    public var median: Double
    public var min: Double
    public var max: Double

    /// `nil` when there are no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        self.values = values
        self.min = sorted[0]
        self.max = sorted[sorted.count - 1]
        let middle = sorted.count / 2
        self.median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// The outcome of one timed metric of one scenario.
public struct MetricComparison: Sendable {
    /// What the comparison found.
    public enum Status: String, Sendable {
        /// The median moved less than the threshold.
        case unchanged
        /// The median moved more than the threshold (the minimum effect size), but the rank
        /// test is not significant after Holm's correction: noise explains it.
        case noise
        /// Worse beyond the threshold, and significantly so (Mann-Whitney U, Holm-corrected).
        case regressed
        /// Better beyond the threshold, and significantly so (Mann-Whitney U, Holm-corrected).
        case improved
        /// One side has no figure (no flush completed).
        case missing
    }

    public var name: String
    public var label: String
    public var unit: String
    public var direction: MetricDirection
    public var baseline: Spread?
    public var current: Spread?
    public var threshold: MetricThreshold
    public var status: Status
    /// The Mann-Whitney U test of current against baseline runs (`nil`: a side has no figure).
    public var test: GateStatistics.MannWhitney? = nil
    /// The test's p-value after Holm's correction over every timed metric of the report.
    public var adjustedP: Double? = nil
    /// The bootstrap 95% confidence interval of median(current) / median(baseline).
    public var ratioInterval: ClosedRange<Double>? = nil

    /// The change of the median, in percent of the baseline median (`nil` when it is 0 or missing).
    public var deltaPercent: Double? {
        guard let baseline, let current, baseline.median != 0 else { return nil }
        return (current.median - baseline.median) / abs(baseline.median) * 100
    }
}

/// The outcome of one counter (or fingerprint) of one scenario.
public struct CounterComparison: Sendable {
    public var name: String
    /// The baseline's values, as text (a number or a fingerprint).
    public var baseline: [String]
    public var current: [String]
    /// The relative tolerance applied (0: exact).
    public var tolerance: Double
    public var passed: Bool
}

/// A check or expectation of one scenario, over every current run.
public struct InvariantOutcome: Sendable {
    public enum Kind: String, Sendable {
        case check
        case expectation
    }

    public var kind: Kind
    public var name: String
    /// How many current runs evaluated it.
    public var runs: Int
    /// One line per run that failed it (or lacks it), naming the run's file.
    public var failures: [String]

    public var passed: Bool { failures.isEmpty }
}

/// One scenario's comparison.
public struct ScenarioComparison: Sendable {
    public var scenario: String
    public var seed: UInt64
    public var baselineFiles: [String]
    public var currentFiles: [String]
    public var invariants: [InvariantOutcome]
    public var metrics: [MetricComparison]
    public var counters: [CounterComparison]
}

/// The gate's verdict, and the exit status that carries it.
public enum GateVerdict: Int32, Sendable, CustomStringConvertible {
    case pass = 0
    case regression = 1
    case invalidInput = 2
    case invariantViolated = 3
    case improvement = 4

    public var description: String {
        switch self {
        case .pass: "PASS"
        case .regression: "REGRESSION"
        case .invalidInput: "INVALID INPUT"
        case .invariantViolated: "INVARIANT VIOLATED"
        case .improvement: "IMPROVEMENT (refresh the baseline)"
        }
    }

    /// The exit statuses, for `--help` and the README.
    public static let help = """
        Exit status: 0 pass; 1 regression (a seeded counter changed, or a timing got worse beyond \
        its threshold and beyond the spread of the runs); 2 invalid input (a missing or malformed \
        result file, or baseline and current runs that do not match; the message names the file); \
        3 an invariant was violated (a check or expectation failed in a current run); 4 a timing \
        improved beyond its threshold (refresh the baseline with `make baseline`).
        """
}

/// A full comparison of a current result set against a baseline.
public struct GateReport: Sendable {
    public var baselineLabel: String
    public var currentLabel: String
    /// Whether timed metrics can fail the gate (paired mode, or `compare` by default); when
    /// false they are reported only, as against a baseline recorded on another machine.
    public var timingsEnforced: Bool
    public var scenarios: [ScenarioComparison]
    /// The significance level of the timing tests, family-wise over every timed metric (Holm).
    public var alpha: Double = ResultComparison.defaultAlpha

    /// Every failed invariant, one line each.
    public var invariantFailures: [String] {
        scenarios.flatMap { scenario in
            scenario.invariants.filter { !$0.passed }.flatMap { invariant in
                invariant.failures.map { "\(scenario.scenario): \(invariant.kind.rawValue) \(invariant.name): \($0)" }
            }
        }
    }

    /// Every counter that changed beyond its tolerance, one line each.
    public var counterChanges: [String] {
        scenarios.flatMap { scenario in
            scenario.counters.filter { !$0.passed }.map {
                "\(scenario.scenario): counter \($0.name) changed: baseline \($0.baseline.joined(separator: ", ")), "
                    + "current \($0.current.joined(separator: ", "))" + ($0.tolerance > 0 ? " (tolerance \(percent($0.tolerance)))" : " (compared exactly)")
            }
        }
    }

    /// Timed metrics that moved beyond threshold and spread, one line each.
    public func timingChanges(_ status: MetricComparison.Status) -> [String] {
        scenarios.flatMap { scenario in
            scenario.metrics.filter { $0.status == status }.map { metric in
                let delta = metric.deltaPercent.map { String(format: "%+.1f%%", $0) } ?? "?"
                return "\(scenario.scenario): \(metric.name) \(status == .regressed ? "regressed" : "improved") \(delta): "
                    + "median \(format(metric.baseline?.median)) -> \(format(metric.current?.median)) \(metric.unit) "
                    + "(threshold \(percent(metric.threshold.relative))"
                    + (metric.threshold.absolute > 0 ? " or \(format(metric.threshold.absolute)) \(metric.unit)" : "")
                    + "; Mann-Whitney p = \(pValue(metric.test?.p)), Holm-adjusted \(pValue(metric.adjustedP)) < α = \(format(alpha))"
                    + (metric.ratioInterval.map { "; median ratio 95% CI \(ratio($0.lowerBound))..\(ratio($0.upperBound))" } ?? "")
                    + "; baseline runs \(format(metric.baseline?.min))..\(format(metric.baseline?.max)), "
                    + "current runs \(format(metric.current?.min))..\(format(metric.current?.max)))"
            }
        }
    }

    /// The verdict: an invariant beats a regression, which beats an improvement.
    public var verdict: GateVerdict {
        if !invariantFailures.isEmpty { return .invariantViolated }
        if !counterChanges.isEmpty { return .regression }
        if timingsEnforced, !timingChanges(.regressed).isEmpty { return .regression }
        if timingsEnforced, !timingChanges(.improved).isEmpty { return .improvement }
        return .pass
    }

    /// The lines that explain the verdict (empty on a pass).
    public var reasons: [String] {
        var lines = invariantFailures + counterChanges
        if timingsEnforced { lines += timingChanges(.regressed) + timingChanges(.improved) }
        return lines
    }
}

func format(_ value: Double?) -> String {
    guard let value else { return "—" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    if abs(value) >= 100 { return String(format: "%.1f", value) }
    return String(format: "%.2f", value)
}

func percent(_ fraction: Double) -> String {
    // Rounded to a millionth of a percent first: 1.15 * 100 is 114.99999999999999 in binary.
    format((fraction * 100 * 1e6).rounded() / 1e6) + "%"
}

/// A p-value for reports: 3 significant digits, small ones in scientific notation.
func pValue(_ value: Double?) -> String {
    guard let value else { return "—" }
    return value < 0.001 ? String(format: "%.2e", value) : String(format: "%.3g", value)
}

/// A ratio of medians for reports ("1.032").
func ratio(_ value: Double) -> String {
    String(format: "%.3f", value)
}
