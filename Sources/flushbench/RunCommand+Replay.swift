import ArgumentParser
import FaultInjection
import Foundation
import Harness
import ObjectStore

extension RunCommand {
    /// `flushbench run --replay RESULT.json`: runs the recorded run's scenario again with its
    /// seed and compares the fault traces. Faults decide from seed, rule, key and attempt, so
    /// the same run injects the same faults; only rules with a `window` depend on timing and are
    /// left out of the comparison. Exit 0 when the traces match, 1 when they differ (with a
    /// summary of the difference), 2 for an unreadable result or a scenario that is gone.
    func replayRecordedRun(_ path: String) async throws {
        let recorded: RunResult
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            printError("flushbench run --replay: cannot read the result '\(path)': \((error as NSError).localizedDescription)")
            throw ExitCode(.invalidInput)
        }
        do {
            recorded = try JSONDecoder().decode(RunResult.self, from: data)
        } catch {
            printError("flushbench run --replay: '\(path)' is not a run result: \(DecodingErrorText.describe(error))")
            throw ExitCode(.invalidInput)
        }
        let scenarios = try rejectCrashRules(loadScenarios([recorded.file]))
        guard let scenario = scenarios.first(where: { $0.name == recorded.scenario }) else {
            printError("flushbench run --replay: '\(recorded.file)' holds no scenario named '\(recorded.scenario)' any more (the result '\(path)' recorded it)")
            throw ExitCode(.invalidInput)
        }
        print("replaying \(recorded.scenario) from \(recorded.file) with seed \(recorded.seed) (recorded in \(path))")
        let result = try await ScenarioRunner.run(scenario, options: RunOptions(seedOverride: recorded.seed))
        let windowed = Set(scenario.faults.indices.filter { index in
            guard case .object(let fields) = scenario.faults[index] else { return false }
            return fields["window"] != nil
        })
        let difference = FaultTraceDifference(recorded: recorded.faults.trace.filter { !windowed.contains($0.rule) },
                                              replayed: result.faults.trace.filter { !windowed.contains($0.rule) })
        if difference.isEmpty {
            print("fault trace matches: \(difference.compared) records\(windowed.isEmpty ? "" : " (rules \(windowed.sorted()) have a window and were not compared)")")
            return
        }
        print("fault trace differs: \(difference.onlyRecorded.count) record(s) only in the recording, \(difference.onlyReplayed.count) only in the replay (of \(difference.compared) recorded)")
        for record in difference.onlyRecorded.prefix(5) { print("  recorded only: \(FaultTraceDifference.describe(record))") }
        for record in difference.onlyReplayed.prefix(5) { print("  replayed only: \(FaultTraceDifference.describe(record))") }
        throw ExitCode(.failed)
    }
}

/// The records two fault traces do not share (as multisets, ignoring order and details that
/// depend on timing: delays and bytes paced).
struct FaultTraceDifference {
    var compared: Int
    var onlyRecorded: [FaultRecord]
    var onlyReplayed: [FaultRecord]

    var isEmpty: Bool { onlyRecorded.isEmpty && onlyReplayed.isEmpty }

    init(recorded: [FaultRecord], replayed: [FaultRecord]) {
        func key(_ record: FaultRecord) -> String {
            "\(record.rule)|\(record.kind.rawValue)|\(record.operation.rawValue)|\(record.key)|\(record.offset.map(String.init) ?? "-")|\(record.attempt)"
        }
        var counts: [String: Int] = [:]
        for record in recorded { counts[key(record), default: 0] += 1 }
        for record in replayed { counts[key(record), default: 0] -= 1 }
        compared = recorded.count
        var surplus = counts
        onlyRecorded = recorded.filter { record in
            guard surplus[key(record), default: 0] > 0 else { return false }
            surplus[key(record)]! -= 1
            return true
        }
        var missing = counts.mapValues { -$0 }
        onlyReplayed = replayed.filter { record in
            guard missing[key(record), default: 0] > 0 else { return false }
            missing[key(record)]! -= 1
            return true
        }
    }

    static func describe(_ record: FaultRecord) -> String {
        "rule \(record.rule) \(record.kind.rawValue) on \(record.operation.rawValue) '\(record.key)'\(record.offset.map { " at \($0)" } ?? ""), attempt \(record.attempt)"
    }
}
