import Foundation

extension GateReport {
    /// The report as Markdown, for a terminal or a CI job summary: the verdict and its reasons,
    /// then one table per scenario with every timed metric, the headline counters and every
    /// counter that changed.
    public func markdown() -> String {
        var lines = ["# flushbench gate: \(verdict)", ""]
        lines.append("Baseline `\(baselineLabel)`, current `\(currentLabel)`. Timings are "
            + (timingsEnforced ? "enforced (same machine): they can fail the gate."
                : "reported only (the baseline may come from another machine); invariants and seeded counters are enforced."))
        lines.append("Exit status \(verdict.rawValue).")
        let tested = scenarios.flatMap(\.metrics).filter { $0.test != nil }.count
        lines.append("A timing changes when its median moves beyond its threshold (the minimum effect size) and a two-sided "
            + "Mann-Whitney U test is significant at α = \(format(alpha)), Holm-corrected over the \(tested) timed metrics; "
            + "the median ratio's 95% interval is a seeded bootstrap (2000 resamples).")
        if tested > 0, let scenario = scenarios.min(by: { min($0.baselineFiles.count, $0.currentFiles.count) < min($1.baselineFiles.count, $1.currentFiles.count) }),
           let floor = GateStatistics.smallestP(scenario.baselineFiles.count, scenario.currentFiles.count), floor >= alpha / Double(tested) {
            lines.append("Note: with \(scenario.baselineFiles.count) and \(scenario.currentFiles.count) runs the smallest possible p is "
                + "\(pValue(floor)), not below α / \(tested) = \(pValue(alpha / Double(tested))): no timing can be called a change "
                + "here, only \"within noise\" (use more runs, e.g. --repeat 10).")
        }
        let reasons = reasons
        if !reasons.isEmpty {
            lines += ["", "What decided it:", ""]
            lines += reasons.map { "- " + $0.replacingOccurrences(of: "|", with: "/") }
        }
        for scenario in scenarios {
            lines += ["", "## \(scenario.scenario)", ""]
            lines.append("Seed \(scenario.seed); \(scenario.baselineFiles.count) baseline run(s), \(scenario.currentFiles.count) current run(s).")
            let failed = scenario.invariants.filter { !$0.passed }
            if failed.isEmpty {
                lines.append("Invariants: all \(scenario.invariants.count) checks and expectations hold in every current run.")
            } else {
                lines.append("Invariants: **\(failed.count) of \(scenario.invariants.count) FAILED**:")
                for invariant in failed {
                    lines.append("- \(invariant.kind.rawValue) `\(invariant.name)`: " + invariant.failures.joined(separator: "; ").replacingOccurrences(of: "|", with: "/"))
                }
            }
            lines += ["", "| metric | baseline median (min–max) | current median (min–max) | change | median ratio, 95% CI | p (Holm) | threshold | result |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
            for metric in scenario.metrics {
                let threshold = "±" + percent(metric.threshold.relative)
                    + (metric.threshold.absolute > 0 ? " or \(format(metric.threshold.absolute))" : "")
                let interval = metric.ratioInterval.map { "\(ratio($0.lowerBound))–\(ratio($0.upperBound))" } ?? "—"
                lines.append("| \(metric.label) (\(metric.unit)) | \(spread(metric.baseline)) | \(spread(metric.current)) | "
                    + (metric.deltaPercent.map { String(format: "%+.1f%%", $0) } ?? "—") + " | \(interval) | \(pValue(metric.adjustedP)) | "
                    + "\(threshold) | \(status(metric)) |")
            }
            let shown = scenario.counters.filter { GateMetrics.headline.contains($0.name) || !$0.passed }
            for counter in shown.sorted(by: { order($0.name) < order($1.name) }) {
                let tolerance = counter.tolerance > 0 ? "±" + percent(counter.tolerance) : "exact"
                lines.append("| \(counter.name) | \(counter.baseline.joined(separator: ", ")) | \(counter.current.joined(separator: ", ")) | "
                    + "\(counter.passed ? "=" : "changed") | — | — | \(tolerance) | \(counter.passed ? "same" : "**CHANGED**") |")
            }
            let identical = scenario.counters.filter(\.passed).count
            lines += ["", "Seeded counters: \(identical) of \(scenario.counters.count) match the baseline (faults per rule and kind, bytes, operations, objects and fault-trace fingerprints)."]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func spread(_ spread: Spread?) -> String {
        guard let spread else { return "—" }
        return spread.values.count > 1 ? "\(format(spread.median)) (\(format(spread.min))–\(format(spread.max)))" : format(spread.median)
    }

    private func status(_ metric: MetricComparison) -> String {
        switch metric.status {
        case .unchanged: "ok"
        case .noise: "within noise"
        case .missing: "no figure"
        case .regressed: timingsEnforced ? "**REGRESSED**" : "slower (reported only)"
        case .improved: timingsEnforced ? "**IMPROVED**" : "faster (reported only)"
        }
    }

    private func order(_ name: String) -> Int {
        GateMetrics.headline.firstIndex(of: name) ?? GateMetrics.headline.count
    }
}
