extension ScenarioLoader {
    /// The most phases a scenario may have.
    static let maxPhases = 100

    /// Decodes `phases`: `[ { "name", "from", "to", "faults": [ ... ] } ]`, timed groups of
    /// fault rules. Each rule is validated as the fault layer will run it (with the phase's
    /// window); a rule may not give its own `window`, a phase must end after it starts and start
    /// before the run's `timeLimit` (else it could never take effect), and names are unique.
    static func decodePhases(_ top: inout ObjectFields, seed: UInt64, timeLimit: Duration, reader: inout ScenarioReader,
                             validateFault: FaultValidator?) -> [FaultPhaseSpec] {
        guard let raw = top.take("phases"), let items = reader.array(raw, top.child("phases")) else { return [] }
        let base = top.child("phases")
        if items.count > maxPhases {
            reader.report(base, "expected at most \(maxPhases) phases, found \(items.count)")
            return []
        }
        var phases: [FaultPhaseSpec] = []
        var names: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = JSONPath.element(base, index)
            guard var fields = reader.object(item, path) else { continue }
            let before = reader.issues.count
            var name: String?
            if let value = fields.take("name") {
                name = reader.string(value, fields.child("name"))
                if let text = name, let problem = ScenarioKeys.nameProblem(text) {
                    reader.report(fields.child("name"), problem)
                } else if let text = name, let first = names[text] {
                    reader.report(fields.child("name"), "expected a name no other phase has, found \(Echo.quoted(text)) (also phases[\(first)])")
                }
                if let text = name, names[text] == nil { names[text] = index }
            } else {
                reader.report(fields.child("name"), "required: a short name such as \"storm\"")
            }
            let from = requiredDuration(&fields, "from", example: "\"5s\"", reader: &reader)
            let to = requiredDuration(&fields, "to", example: "\"15s\"", reader: &reader)
            if let from, let to, to <= from {
                reader.report(fields.child("to"), "expected a time after from (\(from)), found \(to): the phase would be empty")
            }
            if let from, from >= timeLimit {
                reader.report(fields.child("from"), "expected a time before the run's timeLimit (\(timeLimit)), found \(from): "
                    + "the run is stopped before this phase could start")
            }
            var rules: [JSONValue] = []
            if let value = fields.take("faults"), let list = reader.array(value, fields.child("faults")) {
                if list.isEmpty { reader.report(fields.child("faults"), "expected at least one fault rule, found an empty array") }
                for (ruleIndex, rule) in list.enumerated() {
                    let rulePath = JSONPath.element(fields.child("faults"), ruleIndex)
                    if let checked = phaseRule(rule, path: rulePath, from: from, to: to, seed: seed, reader: &reader, validateFault: validateFault) {
                        rules.append(checked)
                    }
                }
            } else if fields.fields["faults"] == nil {
                reader.report(fields.child("faults"), "required: the phase's fault rules, e.g. [ { \"op\": \"write\", \"kind\": \"error\", \"error\": \"SlowDown\" } ]")
            }
            reader.finish(fields)
            guard reader.issues.count == before, let name, let from, let to else { continue }
            phases.append(FaultPhaseSpec(name: name, from: from, to: to, faults: rules))
        }
        return phases
    }

    private static func requiredDuration(_ fields: inout ObjectFields, _ key: String, example: String,
                                         reader: inout ScenarioReader) -> Duration? {
        guard let value = fields.take(key) else {
            reader.report(fields.child(key), "required: a duration since the run's start, such as \(example)")
            return nil
        }
        return reader.duration(value, fields.child(key))
    }

    /// One rule of a phase, checked with the phase's window; `nil` (and issues) when unusable.
    private static func phaseRule(_ rule: JSONValue, path: String, from: Duration?, to: Duration?, seed: UInt64,
                                  reader: inout ScenarioReader, validateFault: FaultValidator?) -> JSONValue? {
        guard case .object(let fields) = rule else {
            _ = reader.object(rule, path)
            return nil
        }
        if fields["window"] != nil {
            reader.report(JSONPath.child(path, "window"), "a phase's rules take their window from the phase's from and to; remove window "
                + "(or move the rule to the top-level faults)")
            return nil
        }
        if fields["layer"] == .string("network") {
            reader.report(JSONPath.child(path, "layer"), "the network fault layer (a proxy in front of S3) is not available in phases, "
                + "so this rule could never fire; use \"store\" (the default, in-process) or remove the rule")
            return nil
        }
        if let huge = rule.firstNumberBeyondDouble(path) {
            reader.report(huge.path, "expected a number a fault rule can use, found \(huge.text), which is beyond the range of 64-bit floating-point numbers")
            return nil
        }
        guard let from, let to else { return rule }
        let windowed = FaultPhaseSpec(name: "", from: from, to: to, faults: [rule]).windowedFaults[0]
        for issue in validateFault?(windowed, seed) ?? [] {
            reader.report(issue.path.isEmpty ? path : issue.path.hasPrefix("[") ? path + issue.path : "\(path).\(issue.path)", issue.message)
        }
        return rule
    }
}
