import Foundation
import Platform

/// The HTML report of one or more runs: self-contained (inline SVG and CSS, no script, no
/// external reference), several runs side by side, one column each.
public enum HTMLReport {
    /// One run in a report: a label unique in the report (file names of its charts) and its result.
    public struct Entry: Sendable {
        public var label: String
        public var result: RunResult

        public init(label: String, result: RunResult) {
            self.label = label
            self.result = result
        }
    }

    /// The report's HTML.
    public static func html(_ entries: [Entry], title: String) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(SVGChart.escape(title))</title>
            <style>
            body { font-family: sans-serif; margin: 16px; color: #222; }
            .runs { display: grid; grid-template-columns: repeat(\(max(entries.count, 1)), minmax(660px, 1fr)); gap: 24px; }
            .run h2 { margin: 4px 0; } .pass { color: #2a7a2a; } .fail { color: #b00020; }
            table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
            td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
            svg.chart { display: block; margin: 8px 0; border: 1px solid #eee; }
            </style>
            </head>
            <body>
            <h1>\(SVGChart.escape(title))</h1>
            <div class="runs">

            """
        for entry in entries {
            out += run(entry)
        }
        out += "</div>\n</body>\n</html>\n"
        return out
    }

    private static func run(_ entry: Entry) -> String {
        let result = entry.result
        let e = SVGChart.escape
        var out = "<section class=\"run\" data-run=\"\(e(entry.label))\">\n"
        out += "<h2>\(e(entry.label)) <span class=\"\(result.passed ? "pass" : "fail")\">\(result.passed ? "PASS" : "FAIL")</span></h2>\n"
        if !result.description.isEmpty { out += "<p>\(e(result.description))</p>\n" }
        out += "<table>\n"
        let rows: [(String, String)] = [
            ("seed, store", "\(result.seed), \(result.store)"),
            ("started", result.startTime),
            ("duration", String(format: "%.1f s", result.durationSeconds)),
            ("flushes", "\(result.flushes.succeeded) succeeded, \(result.flushes.failed) failed, \(result.flushes.empty) empty"),
            ("goodput", String(format: "%.1f MiB/s acknowledged (%.1f MiB/s attempted)", result.throughput.acknowledgedMiBps,
                               result.throughput.attemptedMiBps)),
            ("flush latency", result.latency["flush"].map { String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", $0.p50Ms, $0.p99Ms, $0.maxMs) } ?? "—"),
            ("faults injected", "\(result.faults.injected) " + result.faults.byKind.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
            ("commit", result.gitCommit.map { String($0.prefix(12)) } ?? "unknown"),
        ]
        for (name, value) in rows { out += "<tr><th>\(e(name))</th><td>\(e(value))</td></tr>\n" }
        out += "</table>\n"
        if let phases = result.phases, !phases.isEmpty {
            out += "<table class=\"phases\">\n<tr><th>phase</th><th>window s</th><th>faults</th><th>goodput MiB/s</th><th>flush p99 ms</th>"
                + "<th>baseline MiB/s</th><th>recovery s</th></tr>\n"
            for phase in phases {
                out += "<tr><td>\(e(phase.name))</td><td>\(SVGChart.format(phase.fromSeconds))–\(SVGChart.format(phase.toSeconds))</td>"
                    + "<td>\(phase.faultsInjected)</td><td>\(String(format: "%.1f", phase.acknowledgedMiBps))</td>"
                    + "<td>\(phase.flushLatency.map { String(format: "%.1f", $0.p99Ms) } ?? "—")</td>"
                    + "<td>\(phase.baselineMiBps.map { String(format: "%.1f", $0) } ?? "—")</td>"
                    + "<td>\(phase.recoverySeconds.map { SVGChart.format($0) } ?? "never")</td></tr>\n"
            }
            out += "</table>\n"
        }
        let failed = result.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }
            + result.expectations.filter { !$0.passed }.map { "\($0.name): expected \($0.expected), got \($0.actual)" }
        if !failed.isEmpty {
            out += "<ul class=\"failed\">\n" + failed.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
        }
        for chart in RunCharts.charts(result) { out += chart.svg }
        out += "</section>\n"
        return out
    }

    /// The file name of a chart of the run labelled `label`.
    public static func chartFileName(label: String, kind: String) -> String {
        let safe = String(label.unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
        })
        return "\(safe)-\(kind).svg"
    }

    /// Writes the report to `path` and each run's charts as `.svg` files beside it (replacing
    /// earlier files of those names); returns, per label, the chart files' names.
    ///
    /// - Throws: a ``LocalFileError``-style error naming the file that could not be written.
    @discardableResult
    public static func write(_ entries: [Entry], title: String, to path: String) async throws -> [String: [String]] {
        let page = html(entries, title: title)
        let directory = (path as NSString).deletingLastPathComponent
        var files: [(String, String)] = [(path, page)]
        var names: [String: [String]] = [:]
        for entry in entries {
            for chart in RunCharts.charts(entry.result) {
                let name = chartFileName(label: entry.label, kind: chart.kind)
                names[entry.label, default: []].append(name)
                files.append(((directory.isEmpty ? "" : directory + "/") + name, chart.svg))
            }
        }
        let toWrite = files
        try await BlockingIO.run {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            for (file, text) in toWrite {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
                } catch {
                    throw ResultFileError(file: file, message: "cannot write the report: \(error.localizedDescription)")
                }
            }
        }
        return names
    }
}
