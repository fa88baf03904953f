import Platform
import Foundation

extension GateReport {
    /// The report as JUnit XML, which CI systems show as tests: per scenario one test case per
    /// check and expectation, one for the seeded counters and one per timed metric (failing on a
    /// regression only when timings are enforced).
    public func junitXML() -> String {
        var suites: [String] = []
        var totalTests = 0
        var totalFailures = 0
        for scenario in scenarios {
            var cases: [String] = []
            var failures = 0
            func add(_ name: String, className: String, failure: (message: String, body: String)?, output: String? = nil) {
                var text = "    <testcase name=\"\(escape(name))\" classname=\"\(escape(className))\""
                if let failure {
                    failures += 1
                    text += ">\n      <failure message=\"\(escape(failure.message))\">\(escape(failure.body))</failure>\n    </testcase>"
                } else if let output {
                    text += ">\n      <system-out>\(escape(output))</system-out>\n    </testcase>"
                } else {
                    text += "/>"
                }
                cases.append(text)
            }
            let className = "flushbench.gate.\(scenario.scenario)"
            for invariant in scenario.invariants {
                add("\(invariant.kind.rawValue): \(invariant.name)", className: className,
                    failure: invariant.passed ? nil : ("\(invariant.name) failed in \(invariant.failures.count) of \(invariant.runs) run(s)",
                                                       invariant.failures.joined(separator: "\n")))
            }
            let changed = scenario.counters.filter { !$0.passed }
            add("seeded counters", className: className,
                failure: changed.isEmpty ? nil : ("\(changed.count) seeded counter(s) changed: \(changed.map(\.name).joined(separator: ", "))",
                                                  changed.map { "\($0.name): baseline \($0.baseline.joined(separator: ", ")), current \($0.current.joined(separator: ", "))" }
                                                      .joined(separator: "\n")),
                output: "\(scenario.counters.count) counters match the baseline")
            for metric in scenario.metrics {
                let delta = metric.deltaPercent.map { String(format: "%+.1f%%", $0) } ?? "—"
                let summary = "median \(format(metric.baseline?.median)) -> \(format(metric.current?.median)) \(metric.unit) (\(delta)), \(metric.status.rawValue)"
                let fails = timingsEnforced && metric.status == .regressed
                add("timing: \(metric.name)", className: className,
                    failure: fails ? ("\(metric.name) regressed \(delta)", summary) : nil, output: summary)
            }
            totalTests += cases.count
            totalFailures += failures
            suites.append("  <testsuite name=\"\(escape(scenario.scenario))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\">\n"
                + cases.joined(separator: "\n") + "\n  </testsuite>")
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"flushbench gate\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" errors=\"0\">\n"
            + suites.joined(separator: "\n") + "\n</testsuites>\n"
    }

    private func escape(_ text: String) -> String {
        XMLText.escaped(text)
    }
}
