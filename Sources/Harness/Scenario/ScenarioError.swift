import FaultInjection

/// One mistake in a scenario file: where (the JSON path, and the line and column when known)
/// and what was expected.
public struct ScenarioIssue: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The JSON path, e.g. `faults[2].probability` (empty for the document itself).
    public var path: String
    /// What was found and what was expected.
    public var message: String
    /// Where in the file the value (or the syntax error) is, when known.
    public var location: SourceLocation?

    /// An issue at `path`; the message is cut to 2000 characters and its control characters
    /// are escaped, so no value from a file can flood or garble a terminal.
    public init(path: String, message: String, location: SourceLocation? = nil) {
        self.path = Echo.sanitized(path, limit: 300)
        self.message = Echo.sanitized(message, limit: 2000)
        self.location = location
    }

    /// `path: message` (just the message for the document itself).
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A scenario file that cannot be used, with every mistake found in it.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// A stable label: `unreadable`, `syntax` or `invalid`.
    public var code: String
    /// The file.
    public var file: String
    /// Every mistake, in path order.
    public var issues: [ScenarioIssue]

    public init(code: String, file: String, issues: [ScenarioIssue]) {
        self.code = code
        self.file = file
        self.issues = issues
    }

    /// One line per issue: `file:line:column: path: message` (the form editors jump to).
    public var description: String {
        let noun = issues.count == 1 ? "error" : "errors"
        return "\(file): \(issues.count) \(noun)\n" + issues.map { issue in
            "  \(file)\(issue.location.map { ":\($0)" } ?? ""): \(issue)"
        }.joined(separator: "\n")
    }
}

/// Walks a JSON tree, collecting every issue instead of stopping at the first.
struct ScenarioReader {
    private(set) var issues: [ScenarioIssue] = []

    mutating func report(_ path: String, _ message: String) {
        issues.append(ScenarioIssue(path: path, message: message))
    }

    /// The fields of the object at `path`, or `nil` (with an issue) when it is not an object.
    mutating func object(_ value: JSONValue, _ path: String) -> ObjectFields? {
        guard case .object(let fields) = value else {
            report(path, "expected an object, found \(value.typeDescription)")
            return nil
        }
        return ObjectFields(path: path, fields: fields)
    }

    mutating func string(_ value: JSONValue, _ path: String, allowed: [String]? = nil) -> String? {
        guard case .string(let text) = value else {
            report(path, "expected a string\(allowed.map { " (one of \($0.joined(separator: ", ")))" } ?? ""), found \(value.typeDescription)")
            return nil
        }
        if let allowed, !allowed.contains(text) {
            report(path, "expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), found \(Echo.quoted(text))\(suggestion(text, allowed, listing: false))")
            return nil
        }
        return text
    }

    mutating func bool(_ value: JSONValue, _ path: String) -> Bool? {
        guard case .bool(let flag) = value else {
            report(path, "expected true or false, found \(value.typeDescription)")
            return nil
        }
        return flag
    }

    mutating func number(_ value: JSONValue, _ path: String, in range: ClosedRange<Double>, what: String = "a number") -> Double? {
        let expected = "expected \(what) between \(JSONValue.format(range.lowerBound)) and \(JSONValue.format(range.upperBound))"
        guard case .number(let number) = value else {
            report(path, "\(expected), found \(value.typeDescription)")
            return nil
        }
        guard range.contains(number.double) else {
            report(path, "\(expected), found \(number.quotedText)")
            return nil
        }
        return number.double
    }

    /// An integer in `range`: a whole number written exactly (`1.5`, `1e300` and integers that
    /// a `Double` would round are not integers).
    mutating func integer(_ value: JSONValue, _ path: String, in range: ClosedRange<Int>) -> Int? {
        let expected = "expected an integer between \(range.lowerBound) and \(range.upperBound)"
        guard case .number(let number) = value else {
            report(path, "\(expected), found \(value.typeDescription)")
            return nil
        }
        guard let integer = number.integer, let exact = Int(exactly: integer), range.contains(exact) else {
            let why = number.integer == nil && number.double == number.double.rounded() && number.double.isFinite ? " (too large to be exact)" : ""
            report(path, "\(expected), found \(number.quotedText)\(why)")
            return nil
        }
        return exact
    }

    /// A whole number from 0 to 2^64-1, exactly (a seed above 2^53 is not rounded).
    mutating func unsigned(_ value: JSONValue, _ path: String) -> UInt64? {
        guard case .number(let number) = value, let unsigned = number.unsigned else {
            let found: String
            if case .number(let number) = value { found = number.quotedText } else { found = value.typeDescription }
            report(path, "expected a whole number from 0 to \(UInt64.max), written exactly, found \(found)")
            return nil
        }
        return unsigned
    }

    mutating func size(_ value: JSONValue, _ path: String, in range: ClosedRange<UInt64> = 0...UInt64.max) -> UInt64? {
        let bytes: UInt64
        switch value {
        case .string(let text):
            switch Units.parseSize(text) {
            case .success(let parsed): bytes = parsed
            case .failure(let error):
                report(path, "expected \(Units.sizeHelp), found \(Echo.quoted(text)): \(error.reason)")
                return nil
            }
        case .number(let number):
            guard let unsigned = number.unsigned else {
                report(path, "expected \(Units.sizeHelp), found \(number.quotedText)")
                return nil
            }
            bytes = unsigned
        default:
            report(path, "expected \(Units.sizeHelp), found \(value.typeDescription)")
            return nil
        }
        guard range.contains(bytes) else {
            let upper = range.upperBound == .max ? "" : " and at most \(Units.formatSize(range.upperBound))"
            report(path, "expected a size of at least \(Units.formatSize(range.lowerBound))\(upper), found \(Units.formatSize(bytes))")
            return nil
        }
        return bytes
    }

    mutating func duration(_ value: JSONValue, _ path: String, atLeast minimum: Duration = .zero) -> Duration? {
        guard case .string(let text) = value else {
            report(path, "expected \(Units.durationHelp), found \(value.typeDescription)")
            return nil
        }
        let duration: Duration
        switch Units.parseDuration(text) {
        case .success(let parsed): duration = parsed
        case .failure(let error):
            report(path, "expected \(Units.durationHelp), found \(Echo.quoted(text)): \(error.reason)")
            return nil
        }
        guard duration >= minimum else {
            report(path, "expected a duration of at least \(minimum), found \(Echo.quoted(text))")
            return nil
        }
        return duration
    }

    mutating func array(_ value: JSONValue, _ path: String) -> [JSONValue]? {
        guard case .array(let items) = value else {
            report(path, "expected an array, found \(value.typeDescription)")
            return nil
        }
        return items
    }

    /// Reports keys of `fields` that were never read, with a suggestion for near misses.
    mutating func finish(_ fields: ObjectFields) {
        for key in fields.fields.keys.sorted() where !fields.read.contains(key) {
            report(fields.child(key), "unknown key\(suggestion(key, fields.read.sorted()))")
        }
    }

    /// " (did you mean "x"?)" when a known name is within two edits of `text`.
    func suggestion(_ text: String, _ known: [String], listing: Bool = true) -> String {
        guard text.unicodeScalars.count <= 64 else {
            return known.isEmpty || !listing ? "" : "; expected one of \(known.joined(separator: ", "))"
        }
        let best = known.map { ($0, editDistance(text.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else {
            return known.isEmpty || !listing ? "" : "; expected one of \(known.joined(separator: ", "))"
        }
        return " (did you mean \"\(best.0)\"?)"
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The fields of one JSON object and which of them were read.
struct ObjectFields {
    let path: String
    let fields: [String: JSONValue]
    private(set) var read: Set<String> = []

    init(path: String, fields: [String: JSONValue]) {
        self.path = path
        self.fields = fields
    }

    func child(_ key: String) -> String { JSONPath.child(path, key) }

    /// The value of `key`, marking it (and, for known-but-absent keys, its name) as known.
    mutating func take(_ key: String) -> JSONValue? {
        read.insert(key)
        return fields[key]
    }
}
