import ArgumentParser
import FaultInjection
import Foundation
import Simulation

/// `flushbench simulate`: seeded random histories of cache operations, checked against a model.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run seeded random histories of cache operations (with faults, cancellations, reopenings) and check them against a model.",
        discussion: "Exit status: 0 clean, 1 a violation was found (its history is written and can be replayed), 2 bad input."
    )

    @Option(help: "One seed to run.")
    var seed: UInt64?

    @Option(help: "A range of seeds to run, A..B (inclusive).")
    var seeds: String?

    @Option(help: "Steps per history.")
    var ops = 200

    @Option(help: "Cache operations in flight at once, at most.")
    var concurrency = 4

    @Option(help: "The remote store: memory or fs.")
    var store = "memory"

    @Option(help: "Store faults: all (random rules from the seed), none, or a fault file (a JSON list of rules as in a scenario's faults).")
    var faults = "all"

    @Option(help: "Operations the generator leaves out, comma-separated (put, flush, upload, read, download, remove, advance, cancel, reopen).")
    var skip: String?

    @Option(help: "Replay a history file written by an earlier failing run.")
    var replay: String?

    @Option(help: "Directory for the histories of failing seeds.")
    var out = "."

    @Flag(help: "Write failing histories as found, without shrinking them.")
    var noShrink = false

    @Flag(help: "Stop at the first seed that finds a violation.")
    var stopAtFirst = false

    func validate() throws {
        if seed != nil, seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
        if let seeds, SimulateCommand.parseRange(seeds) == nil {
            throw ValidationError("--seeds expects A..B with A <= B, found '\(seeds)'")
        }
        guard ops > 0 else { throw ValidationError("--ops must be positive, found \(ops)") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive, found \(concurrency)") }
        guard SimulationConfiguration.StoreKind(rawValue: store) != nil else {
            throw ValidationError("--store expects memory or fs, found '\(store)'")
        }
        if let skip, SimulateCommand.parseOperations(skip) == nil {
            let names = SimulationConfiguration.Operation.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--skip expects operations among \(names), found '\(skip)'")
        }
    }

    /// The configuration's fault kinds and rules from `--faults`.
    ///
    /// - Errors: ``SimulationError`` (`badInput`) for a fault file that cannot be read or used.
    func faultSettings() throws(SimulationError) -> (kinds: Set<FaultKind>, rules: [FaultRule]?) {
        switch faults {
        case "all": return (SimulationConfiguration.allFaultKinds, nil)
        case "none": return ([], nil)
        default:
            guard FileManager.default.fileExists(atPath: faults) else {
                throw SimulationError(code: .badInput, message: "--faults expects all, none or a fault file; '\(faults)' is neither a keyword nor a file")
            }
            return ([], try FaultFile.load(path: faults))
        }
    }

    static func parseRange(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high else { return nil }
        return low...high
    }

    static func parseOperations(_ text: String) -> Set<SimulationConfiguration.Operation>? {
        var operations: Set<SimulationConfiguration.Operation> = []
        for name in text.split(separator: ",") {
            guard let operation = SimulationConfiguration.Operation(rawValue: name.trimmingCharacters(in: .whitespaces)) else { return nil }
            operations.insert(operation)
        }
        return operations
    }

    func run() async throws {
        if let replay {
            var history: History
            do {
                history = try History.load(path: replay)
                history.configuration.checkDescriptors = true
            } catch {
                print("flushbench simulate: \(error)")
                throw ExitCode(2)
            }
            let report = try await Simulator().replay(history)
            var summary = SimulationSummary()
            summary.add(report)
            print("replayed \(replay) (seed \(history.seed), \(history.steps.count) steps, \(history.faults.count) fault rules)")
            print(summary.text())
            for violation in report.violations { print("violation: \(violation)") }
            throw ExitCode(report.isClean ? 0 : 1)
        }
        let settings: (kinds: Set<FaultKind>, rules: [FaultRule]?)
        do {
            settings = try faultSettings()
        } catch {
            print("flushbench simulate: \(error.message)")
            throw ExitCode(2)
        }
        var configuration = SimulationConfiguration(
            operations: ops, concurrency: concurrency, store: SimulationConfiguration.StoreKind(rawValue: store) ?? .memory,
            faultKinds: settings.kinds,
            enabledOperations: Set(SimulationConfiguration.Operation.allCases).subtracting(skip.flatMap(SimulateCommand.parseOperations) ?? []))
        configuration.checkDescriptors = true
        configuration.faultRules = settings.rules
        let range = seeds.flatMap(SimulateCommand.parseRange) ?? (seed ?? 1)...(seed ?? 1)
        var sweep = Sweep(configuration: configuration, historyDirectory: out, shrink: !noShrink)
        sweep.stopAtFirstFailure = stopAtFirst
        let (summary, failures) = try await sweep.run(seeds: range) { report, summary in
            let status = report.isClean ? "clean" : "VIOLATION \(report.violations[0].check.rawValue)"
            print("seed \(report.seed): \(report.stepsRun) steps, \(status) [\(summary.histories)/\(range.count), \(summary.failures.count) failing]")
        }
        print(summary.text())
        for failure in failures {
            print("seed \(failure.seed) violates \(failure.violation)")
            if let path = failure.path {
                print("  history (\(failure.steps) steps): \(path)\n  replay: flushbench simulate --replay \(path)")
            }
        }
        throw ExitCode(failures.isEmpty ? 0 : 1)
    }
}
