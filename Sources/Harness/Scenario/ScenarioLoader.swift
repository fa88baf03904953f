public import Foundation
import WriteCache

/// Reads scenario files: one scenario (an object with `name`) or a suite
/// (`{ "defaults": {...}, "scenarios": [...] }`, each scenario merged over the defaults).
///
/// Decoding is strict: invalid JSON, duplicate keys, unknown keys, wrong types, inexact
/// integers, bad units and impossible values are errors that name the file, the JSON path, the
/// line and column, what was found and what was expected — all of a file's errors at once (up
/// to ``maxIssues``). No input makes it crash or hang: files are at most 1 MiB, and a FIFO or
/// device is refused before it is read.
public enum ScenarioLoader {
    /// Validates the `faults` array of a scenario; set by the layer that knows fault rules.
    /// Returns issues with paths relative to the fault (e.g. `probability`).
    public typealias FaultValidator = @Sendable (_ rule: JSONValue, _ seed: UInt64) -> [ScenarioIssue]

    /// The most issues reported for one file; the rest are counted in a last issue.
    public static let maxIssues = 100

    /// Loads every scenario of the file at `path`.
    ///
    /// A JSON Schema (a document with a top-level `"$schema"` key and neither `name` nor
    /// `scenarios`, like `Scenarios/scenario.schema.json`) is not a scenario: it yields no scenarios and one line
    /// for `note`, so `flushbench run Scenarios/*.json` works.
    ///
    /// - Parameters:
    ///   - path: the scenario file.
    ///   - validateFault: checks each fault rule (the runner's fault layer).
    ///   - note: receives a line about a file that was skipped.
    /// - Throws: ``ScenarioError`` listing every mistake.
    public static func load(path: String, validateFault: FaultValidator? = nil,
                            note: (String) -> Void = { _ in }) throws(ScenarioError) -> [Scenario] {
        let bytes = try ScenarioFile.read(path)
        return try load(bytes: bytes, file: path, validateFault: validateFault, note: note)
    }

    /// Loads every scenario in `data` (named `file` in messages).
    public static func load(data: Data, file: String, validateFault: FaultValidator? = nil,
                            note: (String) -> Void = { _ in }) throws(ScenarioError) -> [Scenario] {
        guard data.count <= ScenarioFile.maxBytes else {
            throw ScenarioError(code: "unreadable", file: file, issues: [ScenarioIssue(
                path: "", message: "the data is \(Units.formatSize(UInt64(data.count))); a scenario file may be at most 1 MiB")])
        }
        return try load(bytes: [UInt8](data), file: file, validateFault: validateFault, note: note)
    }

    private static func load(bytes: [UInt8], file: String, validateFault: FaultValidator?,
                             note: (String) -> Void) throws(ScenarioError) -> [Scenario] {
        let lines = LineIndex(bytes)
        let document: JSONParser.Document
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ScenarioError(code: "syntax", file: file, issues: [
                ScenarioIssue(path: error.path, message: "not valid JSON: \(error.message)", location: lines.location(error.offset)),
            ])
        }
        if !document.duplicates.isEmpty {
            throw ScenarioError(code: "invalid", file: file, issues: capped(document.duplicates.map { duplicate in
                let first = lines.location(duplicate.first)
                return ScenarioIssue(
                    path: duplicate.path,
                    message: "duplicate key \(Echo.quoted(duplicate.key, limit: 40)) (first at \(first)): JSON tools disagree on which one counts, so each key may appear once",
                    location: lines.location(duplicate.offset))
            }))
        }
        if case .object(let top) = document.root, top["$schema"] != nil, top["name"] == nil, top["scenarios"] == nil {
            note("note: \(file): skipped: a JSON Schema (it has \"$schema\"), not a scenario")
            return []
        }
        var reader = ScenarioReader()
        let scenarios = decodeDocument(document.root, file: file, reader: &reader, validateFault: validateFault)
        guard reader.issues.isEmpty else {
            let located = reader.issues.map { issue in
                ScenarioIssue(path: issue.path, message: issue.message, location: location(of: issue.path, in: document, lines))
            }
            throw ScenarioError(code: "invalid", file: file, issues: capped(located))
        }
        return scenarios
    }

    private static func decodeDocument(_ document: JSONValue, file: String, reader: inout ScenarioReader,
                                       validateFault: FaultValidator?) -> [Scenario] {
        var scenarios: [Scenario] = []
        if case .object(let top) = document, top["scenarios"] != nil {
            guard var fields = reader.object(document, "") else { return [] }
            let defaults = fields.take("defaults") ?? .object([:])
            if reader.object(defaults, "defaults") != nil, let items = fields.take("scenarios").flatMap({ reader.array($0, "scenarios") }) {
                if items.isEmpty { reader.report("scenarios", "expected at least one scenario, found an empty array") }
                for (index, item) in items.enumerated() {
                    let path = JSONPath.element("scenarios", index)
                    guard reader.object(item, path) != nil else { continue }
                    if let scenario = decodeScenario(defaults.merged(with: item), path: path, file: file, reader: &reader, validateFault: validateFault) {
                        scenarios.append(scenario)
                    }
                }
            }
            reader.finish(fields)
        } else if let scenario = decodeScenario(document, path: "", file: file, reader: &reader, validateFault: validateFault) {
            scenarios.append(scenario)
        }
        var seen: [String: Int] = [:]
        for scenario in scenarios {
            seen[scenario.name, default: 0] += 1
        }
        for (name, count) in seen.sorted(by: { $0.key < $1.key }) where count > 1 {
            reader.report("scenarios", "the name \(Echo.quoted(name)) is used by \(count) scenarios; names must be unique")
        }
        return scenarios
    }

    /// Where the value at `path` is: its own position, else its nearest ancestor's (a suite's
    /// scenario may take a value from `defaults`, or a required key may be missing).
    private static func location(of path: String, in document: JSONParser.Document, _ lines: LineIndex) -> SourceLocation? {
        var path = Substring(path)
        while true {
            if let offset = document.offsets[String(path)] { return lines.location(offset) }
            guard !path.isEmpty else { return nil }
            if path.last == "]", let open = path.lastIndex(of: "[") {
                path = path[..<open]
            } else if let dot = path.lastIndex(of: ".") {
                path = path[..<dot]
            } else {
                path = ""
            }
        }
    }

    /// The first ``maxIssues`` issues, and one more saying how many were left out.
    private static func capped(_ issues: [ScenarioIssue]) -> [ScenarioIssue] {
        guard issues.count > maxIssues else { return issues }
        let last = issues[maxIssues]
        return Array(issues.prefix(maxIssues)) + [ScenarioIssue(
            path: last.path, message: "… and \(issues.count - maxIssues) more errors (only the first \(maxIssues) are listed)", location: last.location)]
    }
}
