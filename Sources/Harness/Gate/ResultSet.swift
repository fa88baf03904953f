import Foundation

/// One result document and the file it came from.
public struct LoadedRun: Sendable {
    public var file: String
    public var result: RunResult

    public init(file: String, result: RunResult) {
        self.file = file
        self.result = result
    }
}

/// Result documents grouped by scenario: the repeats of each scenario on one side of a
/// comparison.
public struct ResultSet: Sendable {
    /// What the set was loaded from, for reports.
    public var label: String
    /// Runs per scenario name, in file order.
    public var runs: [String: [LoadedRun]]

    public init(label: String, runs: [LoadedRun]) {
        self.label = label
        self.runs = Dictionary(grouping: runs, by: \.result.scenario)
    }

    /// Scenario names, sorted.
    public var scenarios: [String] { runs.keys.sorted() }

    /// The file name (in a directory) that holds thresholds, never a result.
    public static let thresholdsFileName = "thresholds.json"

    /// Loads result documents from files and directories (searched recursively for `*.json`,
    /// skipping `thresholds.json`).
    ///
    /// - Errors: ``GateInputError`` listing every path that does not exist, every file that is
    ///   not a result document (with the JSON path that is wrong), a set without results, and
    ///   repeats of one scenario that disagree on their seed or store.
    public static func load(_ paths: [String], label: String? = nil) throws(GateInputError) -> ResultSet {
        var files: [String] = []
        var problems: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append("\(path): no such file or directory")
                continue
            }
            if isDirectory.boolValue {
                let found = (FileManager.default.subpaths(atPath: path) ?? [])
                    .filter { $0.hasSuffix(".json") && ($0 as NSString).lastPathComponent != thresholdsFileName }
                    .sorted().map { "\(path)/\($0)" }
                if found.isEmpty { problems.append("\(path): no result documents (*.json) in this directory") }
                files += found
            } else {
                files.append(path)
            }
        }
        var loaded: [LoadedRun] = []
        for file in files {
            do {
                loaded.append(LoadedRun(file: file, result: try ResultWriter.read(file)))
            } catch let error as ResultFileError {
                problems.append(error.description)
            } catch {
                problems.append("\(file): \(error)")
            }
        }
        if !problems.isEmpty { throw GateInputError(code: "malformed", problems: problems) }
        let set = ResultSet(label: label ?? paths.joined(separator: " "), runs: loaded)
        for scenario in set.scenarios {
            let runs = set.runs[scenario] ?? []
            guard let first = runs.first else { continue }
            for run in runs.dropFirst() {
                if run.result.seed != first.result.seed {
                    problems.append("\(run.file): scenario \(scenario) ran with seed \(run.result.seed), but \(first.file) with seed \(first.result.seed); repeats must share a seed")
                }
                if storeKind(run.result) != storeKind(first.result) {
                    problems.append("\(run.file): scenario \(scenario) ran on store \(storeKind(run.result)), but \(first.file) on \(storeKind(first.result))")
                }
            }
        }
        if !problems.isEmpty { throw GateInputError(code: "mismatch", problems: problems) }
        return set
    }

    /// The store's kind (`memory`, `fs`, `s3`): the first word of the result's description.
    static func storeKind(_ result: RunResult) -> String {
        String(result.store.split(separator: " ").first ?? "")
    }
}
