public import FaultInjection
import Foundation

/// Decodes a scenario's `faults` array into fault rules (the fault layer's own decoder) and
/// validates them as a plan, turning every problem into a ``ScenarioIssue`` with its path.
public enum ScenarioFaults {
    /// A validator for ``ScenarioLoader``: decodes one rule and reports its problems.
    public static let validator: ScenarioLoader.FaultValidator = { rule, seed in
        switch decode(rule) {
        case .success(let decoded):
            do throws(FaultRuleError) {
                _ = try FaultPlan(seed: seed, rules: [decoded])
                return []
            } catch {
                return [ScenarioIssue(path: error.field, message: error.message)]
            }
        case .failure(let issue):
            return [issue]
        }
    }

    /// The plan of `scenario`'s faults with `seed`: the always-on `faults` first, then each
    /// phase's rules (in order) with the phase's window (``rulePaths(faults:phases:)`` names them).
    public static func plan(_ faults: [JSONValue], phases: [FaultPhaseSpec] = [], seed: UInt64) throws(ScenarioError) -> FaultPlan {
        var rules: [FaultRule] = []
        var issues: [ScenarioIssue] = []
        let all = faults + phases.flatMap(\.windowedFaults)
        let paths = rulePaths(faults: faults, phases: phases)
        for (index, rule) in all.enumerated() {
            switch decode(rule) {
            case .success(let decoded): rules.append(decoded)
            case .failure(let issue): issues.append(ScenarioIssue(path: "\(paths[index]).\(issue.path)", message: issue.message))
            }
        }
        guard issues.isEmpty else { throw ScenarioError(code: "invalid", file: "", issues: issues) }
        do {
            return try FaultPlan(seed: seed, rules: rules)
        } catch {
            let path = error.ruleIndex.map { "\(paths[$0]).\(error.field)" } ?? "faults"
            throw ScenarioError(code: "invalid", file: "", issues: [ScenarioIssue(path: path, message: error.message)])
        }
    }

    /// The JSON path of each rule of the plan, by plan index (`faults[i]`, `phases[p].faults[i]`).
    public static func rulePaths(faults: [JSONValue], phases: [FaultPhaseSpec]) -> [String] {
        faults.indices.map { "faults[\($0)]" }
            + phases.enumerated().flatMap { phase in phase.element.faults.indices.map { "phases[\(phase.offset)].faults[\($0)]" } }
    }

    private static func decode(_ rule: JSONValue) -> Result<FaultRule, ScenarioIssue> {
        do {
            let data = try JSONEncoder().encode(rule)
            return .success(try JSONDecoder().decode(FaultRule.self, from: data))
        } catch {
            let text = DecodingErrorText.describe(error)
            // "path: message" -> split at the first ": ".
            if let range = text.range(of: ": ") {
                let path = String(text[..<range.lowerBound])
                return .failure(ScenarioIssue(path: path == "$" ? "" : path, message: String(text[range.upperBound...])))
            }
            return .failure(ScenarioIssue(path: "", message: text))
        }
    }
}
