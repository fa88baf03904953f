import ArgumentParser
import Foundation
import Harness

/// `flushbench validate`: checks scenario files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files: every error with its file and JSON path (exit 2 if any).")

    @Argument(help: "Scenario files (*.json).")
    var files: [String]

    func run() throws {
        let scenarios = try loadScenarios(files)
        for scenario in scenarios {
            print("ok  \(scenario.file): \(scenario.name) (\(scenario.workload.totalFlushes) flushes, \(scenario.faults.count + scenario.clusterFaults.count) fault rule(s)\(scenario.phases.isEmpty ? "" : ", \(scenario.phases.count) phase(s)"), store \(scenario.store.kind.rawValue)\(scenario.store.clusterSummary.map { ", " + $0 } ?? ""))")
        }
    }
}

/// The scenarios, when none has a `crash` fault rule; otherwise every such rule is named on
/// standard error and the command exits with status 2.
///
/// `run` cannot inject a crash: a crash ends the process, so its store turns the rule into a
/// plain failed operation, and the run would report a crash that never happened. Crash rules
/// belong to crash trials; `validate` accepts them.
func rejectCrashRules(_ scenarios: [Scenario]) throws -> [Scenario] {
    var found = false
    for scenario in scenarios {
        for (index, rule) in scenario.faults.enumerated() {
            guard case .object(let fields) = rule, fields["kind"] == .string("crash") else { continue }
            printError("\(scenario.file): scenario \"\(scenario.name)\": faults[\(index)].kind: `run` cannot inject a crash "
                + "(it would end the run; the rule would become a plain error instead); crash rules are for crash trials")
            found = true
        }
    }
    if found { throw ExitCode(.invalidInput) }
    return scenarios
}

/// `flushbench list`: the shipped scenarios and what each proves.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the scenarios in a directory (the shipped suite by default) with their descriptions.")

    @Option(help: "Directory of scenario files.")
    var directory = "Scenarios"

    func run() throws {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".json") && $0 != "scenario.schema.json" }.sorted()
        guard !names.isEmpty else {
            printError("no scenario files in '\(directory)'")
            throw ExitCode(.invalidInput)
        }
        let scenarios = try loadScenarios(names.map { "\(directory)/\($0)" })
        let width = scenarios.map(\.name.count).max() ?? 0
        for scenario in scenarios {
            print(scenario.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "[\(scenario.store.kind.rawValue)] " + scenario.description)
        }
    }
}
