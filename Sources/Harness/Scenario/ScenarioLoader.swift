public import Foundation
import WriteCache

/// Reads scenario files: one scenario (an object with `name`) or a suite
/// (`{ "defaults": {...}, "scenarios": [...] }`, each scenario merged over the defaults).
///
/// Decoding is strict: unknown keys, wrong types, bad units and impossible values are errors
/// that name the file, the JSON path, what was found and what was expected — all of a file's
/// errors at once.
public enum ScenarioLoader {
    /// Validates the `faults` array of a scenario; set by the layer that knows fault rules.
    /// Returns issues with paths relative to the fault (e.g. `probability`).
    public typealias FaultValidator = @Sendable (_ rule: JSONValue, _ seed: UInt64) -> [ScenarioIssue]

    /// Loads every scenario of the file at `path`.
    ///
    /// - Throws: ``ScenarioError`` listing every mistake.
    public static func load(path: String, validateFault: FaultValidator? = nil) throws(ScenarioError) -> [Scenario] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ScenarioError(code: "unreadable", file: path, issues: [ScenarioIssue(path: "", message: "cannot read the file: \(error.localizedDescription)")])
        }
        return try load(data: data, file: path, validateFault: validateFault)
    }

    /// Loads every scenario in `data` (named `file` in messages).
    public static func load(data: Data, file: String, validateFault: FaultValidator? = nil) throws(ScenarioError) -> [Scenario] {
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw ScenarioError(code: "syntax", file: file, issues: [ScenarioIssue(path: "", message: "not valid JSON: \(syntaxMessage(error))")])
        }
        var reader = ScenarioReader()
        var scenarios: [Scenario] = []
        if case .object(let top) = document, top["scenarios"] != nil {
            guard var fields = reader.object(document, "") else { throw invalid(file, reader) }
            let defaults = fields.take("defaults") ?? .object([:])
            if reader.object(defaults, "defaults") != nil, let items = fields.take("scenarios").flatMap({ reader.array($0, "scenarios") }) {
                if items.isEmpty { reader.report("scenarios", "expected at least one scenario, found an empty array") }
                for (index, item) in items.enumerated() {
                    let path = "scenarios[\(index)]"
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
        for (name, count) in seen where count > 1 {
            reader.report("scenarios", "the name \"\(name)\" is used by \(count) scenarios; names must be unique")
        }
        guard reader.issues.isEmpty else { throw invalid(file, reader) }
        return scenarios
    }

    private static func invalid(_ file: String, _ reader: ScenarioReader) -> ScenarioError {
        ScenarioError(code: "invalid", file: file, issues: reader.issues)
    }

    private static func syntaxMessage(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}
