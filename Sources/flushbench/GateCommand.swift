import ArgumentParser
import Foundation
import Harness

/// `flushbench gate`: the CI regression gate over the quick suite.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Run the quick suite and compare it with the committed baseline, or with another git revision (paired).",
        discussion: """
            Without --against: runs every scenario of the suite --repeat times (each run a fresh \
            process of this executable) and compares the results with the baseline directory. \
            Invariants and seeded counters are enforced; timings are reported only, since the \
            baseline may come from another machine (--enforce-timings changes that).

            With --against REV (paired mode): exports REV with git archive, builds it in release \
            mode under .build-gate-<commit>/, then runs REV's executable and this one on the same \
            machine, interleaved (A B A B), and compares them with the same rules; timings are \
            enforced, since both sides ran on the same machine at the same time.

            With --update-baseline: runs the suite and replaces the baseline's result documents \
            (thresholds.json stays); this is `make baseline`.

            Timings: a metric changes when its median moves beyond its threshold (the minimum \
            effect size) and a two-sided Mann-Whitney U test is significant at --alpha, \
            Holm-corrected over every timed metric; each metric also gets a bootstrap 95% interval \
            of the median ratio. With --calibrate: runs this executable against itself (A/A, \
            interleaved), prints each metric's noise and the threshold it calls for, and with \
            --write stores those thresholds in thresholds.json (per scenario); exit 0 when the A/A \
            comparison passes.

            \(GateVerdict.help)
            """
    )

    @Option(help: "Paired mode: a git revision (commit, branch, tag) to build and run beside this executable.")
    var against: String?

    @Option(help: "The directory of the quick suite's scenario files.")
    var suite = "Scenarios/gate"

    @Option(help: "The baseline directory (result documents and thresholds.json).")
    var baseline = "Results/baseline"

    @Option(name: .customLong("repeat"),
            help: "Runs of each scenario per side; medians are compared (default 5; 10 in paired mode, where timings can fail).")
    var repetitions: Int?

    /// Paired mode and calibration compare timings, so they take enough runs that the rank test
    /// can be significant after Holm's correction (smallest p with 10 and 10: about 0.0002).
    private var rounds: Int { repetitions ?? (against == nil && !calibrate ? 5 : 10) }

    @Option(help: "Directory under which this gate's runs are kept (a gate-<time> folder).")
    var out = "Results/runs"

    @Option(help: "The current flushbench executable (default: this one; use a release build for timings).")
    var executable: String?

    @Flag(help: "Run the suite and replace the baseline's results with these runs.")
    var updateBaseline = false

    @Flag(help: "Let timings fail the gate against the stored baseline too (only sound on the machine that recorded it).")
    var enforceTimings = false

    @Flag(help: "A/A calibration: run this executable against itself and print each timed metric's noise and recommended threshold.")
    var calibrate = false

    @Flag(help: "With --calibrate: write the recommended thresholds into thresholds.json (or --thresholds).")
    var write = false

    @Option(help: "The significance level of the timing tests, family-wise over the metrics (Holm).")
    var alpha = ResultComparison.defaultAlpha

    @OptionGroup var output: GateOutputOptions

    func validate() throws {
        guard rounds >= 1, rounds <= 50 else { throw ValidationError("--repeat must be between 1 and 50") }
        if updateBaseline, against != nil { throw ValidationError("--update-baseline records this executable's runs; drop --against") }
        if calibrate, against != nil || updateBaseline { throw ValidationError("--calibrate runs this executable against itself; drop --against and --update-baseline") }
        if write, !calibrate { throw ValidationError("--write stores a calibration's thresholds; add --calibrate") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1 (exclusive), e.g. 0.05") }
    }

    func run() async throws {
        let current = try executable ?? ownExecutable()
        if current.contains("/debug/") {
            printError("note: \(current) is a debug build; timings are only meaningful from a release build (make gate uses one)")
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let directory = "\(out)/gate-\(stamp)"
        let log: @Sendable (String) -> Void = { line in
            print(line)
            fflush(nil)
        }
        do {
            let files = try await GateSuite.files(in: suite)
            if updateBaseline {
                try await GateSuite.run(files: files, rounds: rounds,
                                        sides: [GateSide(label: "current", executable: current, directory: directory)], log: log)
                let written = try await GateSuite.replaceBaseline(baseline, with: directory)
                print("baseline \(baseline) now holds \(written.count) result documents from \(directory)")
                return
            }
            if calibrate {
                let a = GateSide(label: "A", executable: current, directory: "\(directory)/a")
                let b = GateSide(label: "B", executable: current, directory: "\(directory)/b")
                try await GateSuite.run(files: files, rounds: rounds, sides: [a, b], log: log)
                let report = try await ResultComparison.compare(
                    baseline: a.directory, baselineLabel: "A (\(a.directory))", current: b.directory, currentLabel: "B (\(b.directory))",
                    thresholdsFile: output.thresholds, thresholdsDirectory: baseline, timingsEnforced: true, alpha: alpha)
                let calibration = GateCalibration(aa: report)
                print("")
                print(calibration.markdown())
                if write {
                    let path = output.thresholds ?? "\(baseline)/\(ResultSet.thresholdsFileName)"
                    try calibration.write(thresholdsFile: path)
                    print("wrote the recommended thresholds to \(path)")
                }
                printError("gate --calibrate: \(calibration.passed ? "A/A PASS" : "A/A FAIL: \(report.verdict)")")
                if !calibration.passed { throw ExitCode(report.verdict.exitStatus) }
                return
            }
            let report: GateReport
            if let against {
                let repository = try await repositoryRoot()
                let other = try await RevisionBuild.build(revision: against, repository: repository, log: log)
                let base = GateSide(label: "base \(against)", executable: other, directory: "\(directory)/base")
                let now = GateSide(label: "current", executable: current, directory: "\(directory)/current")
                try await GateSuite.run(files: files, rounds: rounds, sides: [base, now], log: log)
                report = try await ResultComparison.compare(
                    baseline: base.directory, baselineLabel: "\(against) (\(base.directory))",
                    current: now.directory, currentLabel: "working tree (\(now.directory))",
                    thresholdsFile: output.thresholds, thresholdsDirectory: baseline, timingsEnforced: true, alpha: alpha)
            } else {
                try await GateSuite.run(files: files, rounds: rounds,
                                        sides: [GateSide(label: "current", executable: current, directory: directory)], log: log)
                report = try await ResultComparison.compare(baseline: baseline, current: directory, thresholdsFile: output.thresholds,
                                                            timingsEnforced: enforceTimings, alpha: alpha)
            }
            print("")
            try output.finish(report)
        } catch let error as GateInputError {
            printError("\(error)")
            throw ExitCode(.invalidInput)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // A file system failure (the baseline cannot be written) must not read as a regression.
            printError("gate: \(error)")
            throw ExitCode(.invalidInput)
        }
    }

    /// The top of the git work tree this command runs in.
    private func repositoryRoot() async throws(GateInputError) -> String {
        let outcome = try? await ChildProcess("git", ["rev-parse", "--show-toplevel"]).run()
        guard let outcome, outcome.status == 0, !outcome.standardOutput.isEmpty else {
            throw GateInputError(code: "build", "\(FileManager.default.currentDirectoryPath): not inside a git work tree; --against needs one")
        }
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
