import ArgumentParser
import Foundation
import Harness

/// Where the gate's reports go, besides the Markdown printed on standard output.
struct GateOutputOptions: ParsableArguments {
    @Option(help: "Also write the Markdown report to this file (it is appended to $GITHUB_STEP_SUMMARY when that is set).")
    var markdown: String?

    @Option(help: "Write a JUnit XML report here (one test case per check, expectation, counter set and timed metric).")
    var junit: String?

    @Option(name: .customLong("benchmark-dir"),
            help: "Write github-action-benchmark inputs here: bigger-is-better.json and smaller-is-better.json.")
    var benchmarkDirectory: String?

    @Option(help: "The thresholds file (default: thresholds.json in the baseline directory, else built-in defaults).")
    var thresholds: String?

    /// Prints the report, writes the files asked for and exits with the verdict's status.
    func finish(_ report: GateReport) throws -> Never {
        let markdownText = report.markdown()
        print(markdownText)
        do {
            if let markdown { try markdownText.write(toFile: markdown, atomically: true, encoding: .utf8) }
            if let summary = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty,
               let handle = FileHandle(forWritingAtPath: summary) {
                handle.seekToEndOfFile()
                handle.write(Data(markdownText.utf8))
                handle.closeFile()
            }
            if let junit { try report.junitXML().write(toFile: junit, atomically: true, encoding: .utf8) }
            if let benchmarkDirectory { try report.writeBenchmarkAction(to: benchmarkDirectory) }
        } catch {
            printError("cannot write a report: \(error.localizedDescription)")
            throw ExitCode(.invalidInput)
        }
        for reason in report.reasons { printError(reason) }
        printError("gate: \(report.verdict) (exit \(report.verdict.rawValue))")
        throw ExitCode(report.verdict.exitStatus)
    }
}

/// `flushbench compare`: a current set of results against a baseline.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare result documents with a baseline: invariants, seeded counters, timings (medians over repeats).",
        discussion: """
            BASELINE and CURRENT are result files or directories of them (searched recursively; \
            thresholds.json is skipped), grouped by scenario; repeats are summarised by their median. \
            Checks and expectations must hold in every current run. Counters a seed fixes (faults \
            per rule and kind, bytes, operations, objects and the fault trace) must equal the \
            baseline's, or stay within a tolerance named in thresholds.json. A timed metric fails \
            only when its median moves beyond its threshold and a two-sided Mann-Whitney U test is \
            significant at alpha 0.05, Holm-corrected over the timed metrics (the report also gives \
            a bootstrap 95% interval of each median ratio).

            \(GateVerdict.help)
            """
    )

    @Argument(help: "The baseline: result files or directories.")
    var baseline: String

    @Argument(help: "The current results: files or directories.")
    var current: String

    @Flag(name: .customLong("timings-report-only"),
          help: "Report timed metrics but never fail on them (for a baseline recorded on another machine).")
    var timingsReportOnly = false

    @OptionGroup var output: GateOutputOptions

    func run() throws {
        let report: GateReport
        do {
            let thresholds = try GateThresholds.beside(baseline: baseline, explicit: output.thresholds)
            report = try ResultComparison.compare(baseline: try ResultSet.load([baseline], label: baseline),
                                                  current: try ResultSet.load([current], label: current),
                                                  thresholds: thresholds, timingsEnforced: !timingsReportOnly)
        } catch {
            printError("\(error)")
            throw ExitCode(.invalidInput)
        }
        try output.finish(report)
    }
}
