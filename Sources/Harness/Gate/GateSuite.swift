import Foundation
import Platform

/// A `flushbench` executable the gate runs the quick suite with: the current build, or another
/// revision's.
public struct GateSide: Sendable {
    /// A short name for logs and reports (`current`, `base abc123`).
    public var label: String
    /// The `flushbench` executable.
    public var executable: String
    /// Where its results go (`round-N/` below it).
    public var directory: String

    public init(label: String, executable: String, directory: String) {
        self.label = label
        self.executable = executable
        self.directory = directory
    }
}

/// Runs the gate's quick suite: every scenario file once per round with each side's executable,
/// interleaved (A B A B ...), each run in a fresh process so no run inherits another's heap.
public enum GateSuite {
    /// The scenario files of a suite directory (`*.json`, sorted).
    ///
    /// - Errors: ``GateInputError`` (code `missing`) when the directory holds none.
    public static func files(in directory: String) async throws(GateInputError) -> [String] {
        let listed = try? await BlockingIO.run { try FileManager.default.contentsOfDirectory(atPath: directory) }
        let names = (listed ?? []).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw GateInputError(code: "missing", "\(directory): no scenario files (*.json) for the gate suite") }
        let files = names.map { "\(directory)/\($0)" }
        let problems = (try? await BlockingIO.run { files.flatMap(wallClockProblems) }) ?? []
        if !problems.isEmpty { throw GateInputError(code: "suite", problems: problems) }
        return files
    }

    /// Why the scenarios of `file` cannot be in the gate's suite: a fault phase or a rule with a
    /// `window` selects operations by wall-clock time, so how many faults hit (seeded counters the
    /// gate compares exactly) would depend on the machine's speed. Invalid files are left to `run`.
    static func wallClockProblems(_ file: String) -> [String] {
        guard let scenarios = try? ScenarioLoader.load(path: file) else { return [] }
        return scenarios.flatMap { scenario -> [String] in
            var problems: [String] = []
            if !scenario.phases.isEmpty {
                problems.append("\(file): scenario \(scenario.name) has fault phases; their timing is wall-clock, so its seeded counters "
                    + "would vary from run to run: keep phase scenarios out of the gate's suite")
            }
            for (index, rule) in scenario.faults.enumerated() {
                if case .object(let fields) = rule, fields["window"] != nil {
                    problems.append("\(file): scenario \(scenario.name): faults[\(index)].window is wall-clock time; keep windowed rules out of the gate's suite")
                }
            }
            return problems
        }
    }

    /// Runs `files` `rounds` times with every side, interleaved: round 1 runs scenario 1 with A
    /// then B, scenario 2 with A then B, and so on.
    ///
    /// - Parameter log: receives one line per run.
    /// - Errors: ``GateInputError`` (code `run`) when an executable cannot start, rejects a
    ///   scenario file (exit 2) or dies; the message names the side, the file and its last output.
    public static func run(files: [String], rounds: Int, sides: [GateSide], log: @Sendable (String) -> Void) async throws(GateInputError) {
        for round in 1...rounds {
            for file in files {
                for side in sides {
                    let command = ChildProcess(side.executable, ["run", file, "--out", "\(side.directory)/round-\(round)"])
                    let outcome: ChildProcess.Outcome
                    do {
                        outcome = try await command.run()
                    } catch {
                        throw GateInputError(code: "run", "\(side.executable): cannot start the \(side.label) executable: \(error)")
                    }
                    log("round \(round)/\(rounds) \(side.label): \((file as NSString).lastPathComponent) "
                        + String(format: "%.1f s", outcome.seconds) + (outcome.status == 0 ? "" : " (exit \(outcome.status))"))
                    // Exit 1 means a check or expectation failed: the result is written and the
                    // comparison reports it as an invariant. Anything else leaves no result.
                    guard outcome.status == 0 || outcome.status == 1 else {
                        let tail = (outcome.standardError + outcome.standardOutput).split(separator: "\n").suffix(5).joined(separator: "\n")
                        throw GateInputError(code: "run", "\(file): the \(side.label) executable (\(side.executable)) exited with status \(outcome.status):\n\(tail)")
                    }
                }
            }
        }
    }

    /// Replaces the result documents of `baseline` with those under `runs`, named
    /// `<scenario>-run<N>.json`; `thresholds.json` and other files stay.
    ///
    /// - Errors: ``GateInputError`` when the runs cannot be read, or the file system's error
    ///   when the baseline cannot be written.
    @discardableResult
    public static func replaceBaseline(_ baseline: String, with runs: String) async throws -> [String] {
        try await BlockingIO.run { try replaceBaselineBlocking(baseline, with: runs) }
    }

    private static func replaceBaselineBlocking(_ baseline: String, with runs: String) throws -> [String] {
        let set = try ResultSet.load([runs])
        try FileManager.default.createDirectory(atPath: baseline, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: baseline)
        where name.hasSuffix(".json") && name != ResultSet.thresholdsFileName {
            try FileManager.default.removeItem(atPath: "\(baseline)/\(name)")
        }
        var written: [String] = []
        for scenario in set.scenarios {
            for (index, run) in (set.runs[scenario] ?? []).enumerated() {
                written.append(try ResultWriter.writeBlocking(run.result, name: "\(scenario)-run\(index + 1)", to: baseline))
            }
        }
        return written
    }
}
