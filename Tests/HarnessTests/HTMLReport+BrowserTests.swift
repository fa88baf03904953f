import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Harness
import Testing

/// Opens reports in headless Chromium (Debian `chromium`, installed by scripts/setup.sh).
enum Browser {
    /// The DOM Chromium built from `file` and its log (console messages are `…:CONSOLE…` lines).
    static func load(_ file: String) async throws -> (dom: String, log: String) {
        let profile = try LocalTemporary.directory()
        let outcome = try await ChildProcess("timeout", ["120", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                                   "--disable-background-networking", "--no-first-run", "--user-data-dir=\(profile)",
                                                   "--enable-logging=stderr", "--dump-dom", URL(fileURLWithPath: file).absoluteString],
                                       measuresPeakMemory: false).run()
        try #require(outcome.status == 0, "chromium exited \(outcome.status): \(outcome.standardError.suffix(2000))")
        return (outcome.standardOutput, outcome.standardError)
    }

    /// Console messages (errors, uncaught exceptions) Chromium logged.
    static func consoleMessages(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    }

    static var isInstalled: Bool { ChildProcess("chromium", []).isAvailable }
}

/// A small memory scenario with a fault phase, about three seconds long.
func phaseScenario(name: String = "report-phase", extraPhase: String = "") -> String {
    """
    {
      "name": "\(name)", "seed": 5, "store": { "kind": "memory" },
      "upload": { "partSize": "64KiB", "retry": { "maxAttempts": 5, "initialBackoff": "1ms", "maxBackoff": "10ms" } },
      "workload": { "regions": 4, "flushesPerRegion": 40, "concurrency": 4, "rowsPerFlush": 300, "rowGroupSize": 300 },
      "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "30ms" } ],
      "phases": [ { "name": "storm", "from": "1s", "to": "2s", "faults": [
          { "op": "write", "kind": "latency", "distribution": "fixed", "value": "150ms" },
          { "op": "write", "kind": "error", "error": "SlowDown", "probability": 0.2 } ] }\(extraPhase) ]
    }
    """
}

@Suite("The HTML report in a browser: loads without console errors, every chart has its series", .serialized)
struct HTMLReportBrowserTests {
    /// The series each chart must draw for a run with a timeline, phases and faults.
    static let expectedSeries: [String: [String]] = [
        "throughput": ["acknowledged MiB/s", "attempted MiB/s"],
        "latency": ["flush", "upload"],
        "flush-latency": ["p50", "max"],
        "bytes": ["encoded", "uploaded", "acknowledged", "wasted", "deleted remotely", "deleted locally", "downloaded"],
        "cache": ["used", "capacity"],
    ]

    /// The `<svg data-chart="kind">…</svg>` elements of `dom`, by kind (several per kind with several runs).
    static func charts(_ dom: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var rest = Substring(dom)
        while let open = rest.range(of: "<svg "), let close = rest[open.upperBound...].range(of: "</svg>") {
            let element = String(rest[open.lowerBound..<close.upperBound])
            if let kind = attribute("data-chart", in: element) { result[kind, default: []].append(element) }
            rest = rest[close.upperBound...]
        }
        return result
    }

    static func attribute(_ name: String, in element: String) -> String? {
        guard let start = element.range(of: "\(name)=\"") else { return nil }
        guard let end = element[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(element[start.upperBound..<end])
    }

    /// Problems with `dom`: a chart missing, a series missing or with fewer than two points.
    static func problems(_ dom: String, runs: Int) -> [String] {
        let found = charts(dom)
        var problems: [String] = []
        for (kind, series) in expectedSeries.sorted(by: { $0.key < $1.key }) {
            let elements = found[kind] ?? []
            if elements.count != runs { problems.append("\(kind): \(elements.count) charts, expected \(runs)") }
            for element in elements {
                for name in series {
                    guard let range = element.range(of: "data-series=\"\(SVGChart.escape(name))\"") else {
                        problems.append("\(kind): no series \(name)")
                        continue
                    }
                    if kind == "bytes" { continue }
                    let tail = element[range.upperBound...]
                    let path = attribute("d", in: String(tail.prefix(20_000))) ?? ""
                    if !path.hasPrefix("M") || !path.contains("L") { problems.append("\(kind): series \(name) has fewer than two points") }
                }
            }
        }
        return problems
    }

    @Test("a run's report.html loads in headless Chromium without console errors; every chart has its series, the phase and faults")
    func reportLoadsInChromium() async throws {
        try #require(Browser.isInstalled, "chromium is missing: run scripts/setup.sh (it installs Debian's chromium)")
        let result = try await ScenarioRunner.run(try scenarios(phaseScenario())[0])
        let directory = try LocalTemporary.directory()
        let names = try await HTMLReport.write([HTMLReport.Entry(label: "report-phase", result: result)], title: "test <report> & co",
                                               to: directory + "/report.html")
        #expect(names["report-phase"] == RunCharts.kinds.map { "report-phase-\($0).svg" })

        let (dom, log) = try await Browser.load(directory + "/report.html")
        #expect(Browser.consoleMessages(log).isEmpty, "\(Browser.consoleMessages(log))")
        #expect(Self.problems(dom, runs: 1).isEmpty, "\(Self.problems(dom, runs: 1))")
        #expect(dom.contains("test &lt;report&gt; &amp; co"))
        let throughput = try #require(Self.charts(dom)["throughput"]?.first)
        #expect(throughput.contains("data-band=\"phase storm\""), "the phase is shaded")
        #expect(throughput.contains("class=\"fault\""), "injected faults are marked")
        #expect(!dom.contains("<script"), "no JavaScript")
        #expect(!dom.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), "no network reference")

        // Each chart file is a well-formed SVG document with the same chart.
        for name in names["report-phase"] ?? [] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name) is not well-formed XML: \(String(describing: parser.parserError))")
            #expect(String(decoding: data, as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        }

        // The checker itself catches what it must: a script error, a missing series.
        let broken = directory + "/broken.html"
        try (HTMLReport.html([HTMLReport.Entry(label: "x", result: result)], title: "broken")
            .replacingOccurrences(of: "</body>", with: "<script>undefinedFunction()</script></body>")
            .replacingOccurrences(of: "data-series=\"used\"", with: "data-series=\"gone\""))
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let (brokenDom, brokenLog) = try await Browser.load(broken)
        #expect(Browser.consoleMessages(brokenLog).contains { $0.contains("undefinedFunction") })
        #expect(Self.problems(brokenDom, runs: 1) == ["cache: no series used"])
    }

    @Test("flushbench run writes report.html and linked charts; report DIR DIR --html renders both runs side by side")
    func runAndReportCommandsWriteHTML() async throws {
        try #require(Browser.isInstalled, "chromium is missing: run scripts/setup.sh (it installs Debian's chromium)")
        let file = try LocalTemporary.directory() + "/report-phase.json"
        try phaseScenario().write(toFile: file, atomically: true, encoding: .utf8)
        let out = try LocalTemporary.directory()
        for _ in 1...2 {
            let outcome = try await Binary.run(["run", file, "--out", out])
            #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors)")
            #expect(outcome.output.contains("report.html"))
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: out).sorted().map { out + "/" + $0 }
        try #require(runs.count == 2)
        let summary = try String(contentsOfFile: runs[0] + "/summary.md", encoding: .utf8)
        for kind in RunCharts.kinds {
            #expect(summary.contains("[\(kind)](report-phase-\(kind).svg)"), "summary.md links the \(kind) chart")
            #expect(FileManager.default.fileExists(atPath: runs[0] + "/report-phase-\(kind).svg"))
        }
        let (dom, log) = try await Browser.load(runs[0] + "/report.html")
        #expect(Browser.consoleMessages(log).isEmpty)
        #expect(Self.problems(dom, runs: 1).isEmpty, "\(Self.problems(dom, runs: 1))")

        let html = try LocalTemporary.directory() + "/both.html"
        let report = try await Binary.run(["report", runs[0], runs[1], "--html", html])
        #expect(report.status == 0, "\(report.output) \(report.errors)")
        let (both, bothLog) = try await Browser.load(html)
        #expect(Browser.consoleMessages(bothLog).isEmpty)
        #expect(Self.problems(both, runs: 2).isEmpty, "\(Self.problems(both, runs: 2))")
        #expect(both.components(separatedBy: "<section class=\"run\"").count == 3, "one column per run")

        let missing = try await Binary.run(["report", out + "/nothing-here", "--html", html])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("nothing-here: no such file or directory"))
    }
}
