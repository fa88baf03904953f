import Foundation
import Platform

/// Compares a current result set with a baseline: invariants exactly, seeded counters exactly
/// (or within a stated tolerance), timed metrics on medians with thresholds and a noise rule.
///
/// The noise rule: a timed metric changes only when its median moves beyond the threshold (the
/// minimum effect size that matters) *and* a two-sided Mann-Whitney U test of the current runs
/// against the baseline runs is significant at ``defaultAlpha`` after Holm's correction over
/// every timed metric of the comparison (so comparing 15 metrics does not give 15 chances to
/// fail by noise). Each metric also gets a bootstrap 95% confidence interval of the ratio of
/// medians. With 5 runs per side the smallest two-sided p is 0.0079; with 10, about 0.0002.
public enum ResultComparison {
    /// The significance level of the timing tests, family-wise over the metrics.
    public static let defaultAlpha = 0.05

    /// Compares `current` with `baseline`.
    ///
    /// - Parameters:
    ///   - thresholds: per-metric thresholds and counter tolerances.
    ///   - timingsEnforced: whether timed metrics may fail the gate; pass `false` when the
    ///     baseline was recorded on another machine (they are then reported only).
    /// - Errors: ``GateInputError`` (code `mismatch`) when the two sets do not hold the same
    ///   scenarios with the same seeds and stores, or a baseline run failed its own checks (a
    ///   baseline must pass); every problem names its file.
    public static func compare(baseline: ResultSet, current: ResultSet, thresholds: GateThresholds,
                               timingsEnforced: Bool, alpha: Double = defaultAlpha) throws(GateInputError) -> GateReport {
        var problems: [String] = []
        for scenario in baseline.scenarios where current.runs[scenario] == nil {
            problems.append("\(current.label): no run of scenario \(scenario), which the baseline has (\(baseline.runs[scenario]?.first?.file ?? ""))")
        }
        for scenario in current.scenarios where baseline.runs[scenario] == nil {
            problems.append("\(current.runs[scenario]?.first?.file ?? current.label): scenario \(scenario) has no baseline in \(baseline.label); record one with `make baseline`")
        }
        for scenario in baseline.scenarios {
            guard let base = baseline.runs[scenario]?.first, let now = current.runs[scenario]?.first else { continue }
            if base.result.seed != now.result.seed {
                problems.append("\(now.file): scenario \(scenario) ran with seed \(now.result.seed), the baseline \(base.file) with seed \(base.result.seed)")
            }
            if ResultSet.storeKind(base.result) != ResultSet.storeKind(now.result) {
                problems.append("\(now.file): scenario \(scenario) ran on store \(ResultSet.storeKind(now.result)), the baseline \(base.file) on \(ResultSet.storeKind(base.result))")
            }
            for run in baseline.runs[scenario] ?? [] {
                let failed = run.result.checks.filter { !$0.passed }.map(\.name) + run.result.expectations.filter { !$0.passed }.map(\.name)
                if !failed.isEmpty {
                    problems.append("\(run.file): this baseline run failed \(failed.joined(separator: ", ")); a baseline must pass")
                }
            }
        }
        if !problems.isEmpty { throw GateInputError(code: "mismatch", problems: problems) }

        var scenarios = baseline.scenarios.map { name in
            compareScenario(name, baseline: baseline.runs[name] ?? [], current: current.runs[name] ?? [], thresholds: thresholds)
        }
        applyHolm(&scenarios, alpha: alpha)
        return GateReport(baselineLabel: baseline.label, currentLabel: current.label, timingsEnforced: timingsEnforced,
                          scenarios: scenarios, alpha: alpha)
    }

    /// Adjusts every tested metric's p-value (Holm, over all of them) and decides the status of
    /// those that moved beyond their threshold: significant is a change, else noise.
    static func applyHolm(_ scenarios: inout [ScenarioComparison], alpha: Double) {
        var tested: [(scenario: Int, metric: Int)] = []
        for s in scenarios.indices {
            for m in scenarios[s].metrics.indices where scenarios[s].metrics[m].test != nil { tested.append((s, m)) }
        }
        let adjusted = GateStatistics.holm(tested.map { scenarios[$0.scenario].metrics[$0.metric].test!.p })
        for (position, index) in tested.enumerated() {
            var metric = scenarios[index.scenario].metrics[index.metric]
            metric.adjustedP = adjusted[position]
            metric.status = status(metric, significant: adjusted[position] < alpha)
            scenarios[index.scenario].metrics[index.metric] = metric
        }
    }

    /// The status of `metric` given whether its (adjusted) test is significant.
    static func status(_ metric: MetricComparison, significant: Bool) -> MetricComparison.Status {
        guard let base = metric.baseline, let now = metric.current else { return .missing }
        let delta = now.median - base.median
        guard abs(delta) > metric.threshold.allowance(around: base.median) else { return .unchanged }
        guard significant else { return .noise }
        return (metric.direction == .biggerIsBetter) == (delta > 0) ? .improved : .regressed
    }

    static func compareScenario(_ name: String, baseline: [LoadedRun], current: [LoadedRun],
                                thresholds: GateThresholds) -> ScenarioComparison {
        ScenarioComparison(
            scenario: name, seed: current.first?.result.seed ?? 0,
            baselineFiles: baseline.map(\.file), currentFiles: current.map(\.file),
            invariants: invariants(baseline: baseline, current: current),
            metrics: GateMetrics.timed.map { metric in
                compare(metric, baseline: baseline.compactMap { metric.value($0.result) }, current: current.compactMap { metric.value($0.result) },
                        threshold: thresholds.threshold(metric.name, scenario: name))
            },
            counters: counters(scenario: name, baseline: baseline, current: current, thresholds: thresholds))
    }

    /// Every check and expectation the baseline or a current run names, over the current runs.
    static func invariants(baseline: [LoadedRun], current: [LoadedRun]) -> [InvariantOutcome] {
        var names: [(InvariantOutcome.Kind, String)] = []
        var seen = Set<String>()
        for run in baseline + current {
            for check in run.result.checks where seen.insert("check \(check.name)").inserted { names.append((.check, check.name)) }
            for expectation in run.result.expectations where seen.insert("expectation \(expectation.name)").inserted {
                names.append((.expectation, expectation.name))
            }
        }
        return names.map { kind, name in
            var failures: [String] = []
            for run in current {
                switch kind {
                case .check:
                    guard let check = run.result.checks.first(where: { $0.name == name }) else {
                        failures.append("\(run.file): the check did not run")
                        continue
                    }
                    if !check.passed { failures.append("\(run.file): \(check.detail)") }
                case .expectation:
                    guard let expectation = run.result.expectations.first(where: { $0.name == name }) else {
                        failures.append("\(run.file): the expectation was not evaluated")
                        continue
                    }
                    if !expectation.passed { failures.append("\(run.file): expected \(expectation.expected), got \(expectation.actual)") }
                }
            }
            return InvariantOutcome(kind: kind, name: name, runs: current.count, failures: failures)
        }
    }

    /// Applies the threshold and the rank test to one metric, uncorrected (``applyHolm(_:alpha:)``
    /// corrects it over a whole comparison).
    public static func compare(_ metric: TimedMetric, baseline: [Double], current: [Double], threshold: MetricThreshold,
                               alpha: Double = defaultAlpha) -> MetricComparison {
        var result = MetricComparison(name: metric.name, label: metric.label, unit: metric.unit, direction: metric.direction,
                                      baseline: Spread(baseline), current: Spread(current), threshold: threshold, status: .missing)
        result.test = GateStatistics.mannWhitney(current, baseline)
        result.ratioInterval = GateStatistics.medianRatioInterval(baseline: baseline, current: current)
        result.status = status(result, significant: (result.test?.p ?? 1) < alpha)
        return result
    }

    static func counters(scenario: String, baseline: [LoadedRun], current: [LoadedRun], thresholds: GateThresholds) -> [CounterComparison] {
        let base = baseline.map { GateMetrics.counters($0.result) }
        let now = current.map { GateMetrics.counters($0.result) }
        let names = Set(base.flatMap(\.keys) + now.flatMap(\.keys)).sorted()
        var result: [CounterComparison] = names.map { name in
            let tolerance = thresholds.tolerance(name, scenario: scenario)
            let baseValues = base.map { $0[name] ?? 0 }
            let currentValues = now.map { $0[name] ?? 0 }
            let low = (baseValues.min() ?? 0) * (1 - tolerance)
            let high = (baseValues.max() ?? 0) * (1 + tolerance)
            let passed = currentValues.allSatisfy { $0 >= low - 1e-9 && $0 <= high + 1e-9 }
            return CounterComparison(name: name, baseline: distinct(baseValues.map { format($0) }),
                                     current: distinct(currentValues.map { format($0) }), tolerance: tolerance, passed: passed)
        }
        for name in ["objects", "faults.trace"] {
            let tolerance = thresholds.tolerance(name, scenario: scenario)
            let baseValues = baseline.map { GateMetrics.fingerprints($0.result)[name] ?? "" }
            let currentValues = current.map { GateMetrics.fingerprints($0.result)[name] ?? "" }
            let passed = tolerance > 0 || currentValues.allSatisfy(Set(baseValues).contains)
            result.append(CounterComparison(name: "\(name) fingerprint", baseline: distinct(baseValues), current: distinct(currentValues),
                                            tolerance: tolerance, passed: passed))
        }
        return result
    }

    private static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}

extension ResultComparison {
    /// Reads the thresholds, the baseline and the current results from disk, on the blocking-I/O
    /// pool, and compares them.
    ///
    /// - Parameters:
    ///   - baseline: a result file or a directory of them.
    ///   - current: a result file or a directory of them.
    ///   - thresholdsFile: the thresholds; `nil` for `thresholds.json` in `thresholdsDirectory`
    ///     (the baseline's directory by default), else the built-in defaults.
    /// - Errors: ``GateInputError`` when a file is missing or malformed or the sets do not match.
    public static func compare(baseline: String, baselineLabel: String? = nil, current: String, currentLabel: String? = nil,
                               thresholdsFile: String?, thresholdsDirectory: String? = nil,
                               timingsEnforced: Bool, alpha: Double = defaultAlpha) async throws(GateInputError) -> GateReport {
        do {
            return try await BlockingIO.run {
                let thresholds = try GateThresholds.beside(baseline: thresholdsDirectory ?? baseline, explicit: thresholdsFile)
                return try compare(baseline: ResultSet.load([baseline], label: baselineLabel ?? baseline),
                                   current: ResultSet.load([current], label: currentLabel ?? current),
                                   thresholds: thresholds, timingsEnforced: timingsEnforced, alpha: alpha)
            }
        } catch let error as GateInputError {
            throw error
        } catch {
            throw GateInputError(code: "malformed", "\(baseline), \(current): cannot read the results: \(error)")
        }
    }
}
