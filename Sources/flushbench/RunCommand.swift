import ArgumentParser
import Foundation
import Harness

#if canImport(Glibc)
import Glibc
#endif

/// `flushbench run`: runs scenario files and writes their results.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files; write JSON results and a Markdown summary.",
        discussion: """
            Exit status: 0 when every check and expectation holds, 1 when some do not, 2 when a \
            scenario file is invalid or --work-dir holds files flushbench did not make, 5 when a \
            scenario could not be set up (endpoint, credentials, bucket, a work directory locked by \
            another run): the run stops there, nothing of that scenario was attempted; 130 / 143 \
            after SIGINT / SIGTERM (once what the run made is removed; a second signal exits at once).
            """
    )

    @Argument(help: "Scenario files (*.json): single scenarios or suites.")
    var files: [String] = []

    @Option(help: "Re-run the run recorded in RESULT.json (its scenario file and seed) and check that the same faults hit the same operations (rules with a window excepted).")
    var replay: String?

    @Option(help: "Replace every scenario's seed.")
    var seed: UInt64?

    @Option(help: "Directory for results; each run writes a time-stamped folder in it.")
    var out = "Results/runs"

    @Option(name: .customLong("repeat"), help: "Run each scenario this many times.")
    var repetitions = 1

    @Option(help: "Keep the cache directory (DIR/cache) and the fs store's root (DIR/remote) here for inspection (one scenario only). DIR must be new, empty or an earlier run's; it is locked while the run works in it.")
    var workDir: String?

    @Option(help: "Serve the runs' metrics (Prometheus text at GET /metrics) on 127.0.0.1:PORT while they work (0: a free port, printed).")
    var metricsPort: Int?

    @Flag(help: "Keep what the run wrote to an external S3 endpoint (removed after the checks otherwise), so anyone can verify the objects listed in the result.")
    var keepRemote = false

    @OptionGroup var nodeOptions: NodeOptions

    func validate() throws {
        guard repetitions >= 1, repetitions <= 100 else { throw ValidationError("--repeat must be between 1 and 100") }
        try nodeOptions.validate(repetitions: repetitions, workDir: workDir)
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be between 0 and 65535") }
        if replay != nil, !files.isEmpty || seed != nil { throw ValidationError("--replay takes the scenario and seed from the result: give no files and no --seed") }
        if replay == nil, files.isEmpty { throw ValidationError("give scenario files to run, or --replay RESULT.json") }
    }

    func run() async throws {
        if let replay { return try await replayRecordedRun(replay) }
        let scenarios = try rejectCrashRules(loadScenarios(files))
        if nodeOptions.isParent {
            try await runNodes(scenarios)
            return
        }
        nodeOptions.watchParent()
        if workDir != nil, scenarios.count * repetitions > 1 {
            throw ValidationError("--work-dir keeps one run's files: give one scenario and no --repeat")
        }
        var live: (metrics: LiveMetrics, server: MetricsServer)?
        if let metricsPort {
            let metrics = LiveMetrics()
            do {
                live = (metrics, try await MetricsServer.start(port: metricsPort, registry: metrics.registry))
            } catch {
                printError("\(error)")
                throw ExitCode(.invalidInput)
            }
            print("metrics: http://127.0.0.1:\(live!.server.port)/metrics")
        }
        do {
            try await run(scenarios, metrics: live?.metrics)
        } catch {
            await live?.server.stop()
            throw error
        }
        await live?.server.stop()
    }

    private func run(_ scenarios: [Scenario], metrics: LiveMetrics?) async throws {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let progress = ProgressPrinter()
        let interruption = Interruption.install { signal in
            printError("\nflushbench: \(signal == SIGINT ? "SIGINT" : "SIGTERM") received: stopping the flushes and removing what the run made (send it again to exit at once)")
        }
        // Made when the first result is written; another run's directory of the same second is never shared.
        var madeDirectory: String?
        var results: [RunResult] = []
        var labels: [String] = []
        var setupFailed = false
        scenarios: for (position, scenario) in scenarios.enumerated() {
            for round in 1...repetitions {
                let label = repetitions > 1 ? "\(scenario.name) (run \(round)/\(repetitions))" : scenario.name
                progress.line("[\(position + 1)/\(scenarios.count)] \(label): \(scenario.description)")
                do {
                    var options = RunOptions(
                        seedOverride: seed, workDirectory: workDir.map { URL(fileURLWithPath: $0).path },
                        progress: { progress.update($0) }, keepRemote: keepRemote || nodeOptions.nodeIndex != nil,
                        notice: { progress.line("    " + $0) }, node: try nodeOptions.assignment())
                    options.metrics = metrics
                    let runOptions = options
                    let result = try await interruption.run { try await ScenarioRunner.run(scenario, options: runOptions) }
                    progress.finish()
                    let directory = try await runDirectory(in: out, stamp: stamp, made: &madeDirectory)
                    let name = repetitions > 1 ? "\(scenario.name)-run\(round)" : scenario.name
                    let path = try await ResultWriter.write(result, name: name, to: directory)
                    let failed = result.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }
                        + result.expectations.filter { !$0.passed }.map { "\($0.name): expected \($0.expected), got \($0.actual)" }
                    progress.line("    \(result.passed ? "PASS" : "FAIL") in \(String(format: "%.1f", result.durationSeconds)) s: "
                        + "\(result.flushes.succeeded)/\(result.flushes.attempted) flushes, "
                        + String(format: "goodput %.1f MiB/s (attempted %.1f)", result.throughput.acknowledgedMiBps,
                                 result.throughput.attemptedMiBps)
                        + ", \(result.faults.injected) faults -> \(path)")
                    for line in failed { progress.line("      \(line)") }
                    results.append(result)
                    labels.append(((path as NSString).lastPathComponent as NSString).deletingPathExtension)
                } catch let error as ScenarioError {
                    progress.finish()
                    printError(ScenarioError(code: error.code, file: scenario.file, issues: error.issues).description)
                    throw ExitCode(.invalidInput)
                } catch let error as WorkAreaError {
                    progress.finish()
                    printError("scenario \(scenario.name): \(error)")
                    throw ExitCode(error.code == .notOurs ? .invalidInput : .setupFailed)
                } catch {
                    progress.finish()
                    printError("\(error)")
                    if interruption.signal != nil { break scenarios }
                    setupFailed = true
                    break scenarios
                }
            }
            if interruption.signal != nil { break }
        }
        if !results.isEmpty {
            let directory = try await runDirectory(in: out, stamp: stamp, made: &madeDirectory)
            let entries = zip(labels, results).map { HTMLReport.Entry(label: $0, result: $1) }
            let charts = try await HTMLReport.write(entries, title: "flushbench run \(stamp)", to: directory + "/report.html")
            let summary = "# flushbench run \(stamp)\n\n" + ResultWriter.summaryTable(results) + "\n\n"
                + zip(labels, results).map { ResultWriter.markdown($1) + "\n\n" + ResultWriter.chartLinks(charts[$0] ?? []) }
                    .joined(separator: "\n\n") + "\n"
            try await ResultWriter.writeFile(Data(summary.utf8), to: directory + "/summary.md")
            print("")
            print(ResultWriter.summaryTable(results))
            print("")
            print("results: \(directory)/ (summary.md, report.html and one JSON document per run)")
        }
        if let status = interruption.exitStatus { throw ExitCode(status) }
        if setupFailed { throw ExitCode(.setupFailed) }
        if results.contains(where: { !$0.passed }) { throw ExitCode(.failed) }
    }
}

/// The run's result directory: `made`, or a new one (never another run's) recorded in `made`.
private func runDirectory(in out: String, stamp: String, made: inout String?) async throws -> String {
    if let made { return made }
    let directory = try await ResultWriter.makeRunDirectory(in: out, stamp: stamp)
    made = directory
    return directory
}

/// Loads scenario files, printing every error of every file; exits with status 2 if any is invalid.
func loadScenarios(_ files: [String]) throws -> [Scenario] {
    var scenarios: [Scenario] = []
    var invalid = false
    for file in files {
        do {
            scenarios += try ScenarioLoader.load(path: file, validateFault: ScenarioFaults.validator, note: printError)
        } catch {
            printError(error.description)
            invalid = true
        }
    }
    if invalid { throw ExitCode(.invalidInput) }
    if scenarios.isEmpty {
        printError("no scenarios given")
        throw ExitCode(.invalidInput)
    }
    return scenarios
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints progress: a redrawn bar on a terminal, a plain line every 5 s otherwise.
final class ProgressPrinter: Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private let calls = Locked(0)

    func line(_ text: String) {
        print(text)
        fflush(nil)
    }

    func update(_ progress: RunOptions.Progress) {
        let call = calls.withLock { value -> Int in
            value += 1
            return value
        }
        let fraction = Double(progress.flushesDone) / Double(max(progress.flushesTotal, 1))
        let text = "\(progress.flushesDone)/\(progress.flushesTotal) flushes, "
            + String(format: "goodput %.1f MiB/s (attempted %.1f), %d faults, %.0f s", progress.acknowledgedMiBps, progress.uploadedMiBps,
                     progress.faultsInjected, progress.elapsedSeconds)
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            print("\r    [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + text, terminator: "")
            fflush(nil)
        } else if call % 5 == 0 {
            print("    " + text)
            fflush(nil)
        }
    }

    func finish() {
        if isTerminal, calls.withLock({ $0 }) > 0 {
            print("\r" + String(repeating: " ", count: 100) + "\r", terminator: "")
            fflush(nil)
        }
        calls.withLock { $0 = 0 }
    }
}
