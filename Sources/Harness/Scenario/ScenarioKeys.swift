import Foundation
import ObjectStore

/// What a scenario's `name` and `store.prefix` may be: whatever keeps every object key of a
/// run valid for every store, checked by the stores' own rule (``ObjectKey/validate(_:operation:)``)
/// at validation, so an impossible prefix fails `validate` instead of every flush of a run.
///
/// A run's keys are `{prefix}flushbench/{name}/{run}/{region}/{uuid}.{type}`; the check uses the
/// longest such key (a 64-character run id, a 20-digit region, a `.parquet` file).
enum ScenarioKeys {
    /// The longest scenario name.
    static let maxNameLength = 100
    /// The longest store prefix, in UTF-8 bytes (keeps every key of a run under S3's 1024).
    static let maxPrefixBytes = 512
    /// The longest path component the fs store can create (`NAME_MAX`).
    static let maxComponentBytes = 255

    /// Why `name` cannot be a scenario name, or `nil` when it can: 1 to 100 ASCII letters,
    /// digits, `-`, `_` or `.`, and not `.` or `..` (names become file names and key components).
    static func nameProblem(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_.".utf8.contains(byte)
        }
        guard !name.isEmpty, allowed, name.utf8.count <= maxNameLength else {
            return "expected 1 to \(maxNameLength) ASCII letters, digits, '-', '_' or '.', found \(Echo.quoted(name))"
        }
        if name == "." || name == ".." {
            return "expected a name that can be a path component, found \(Echo.quoted(name)) (it means a directory)"
        }
        return nil
    }

    /// Why `prefix` cannot start the keys of scenario `scenarioName`, or `nil` when it can:
    /// empty, or at most 512 bytes of path components that each end in `/`, none empty, `.`,
    /// `..` or longer than 255 bytes, no NUL, not starting with `/`.
    static func prefixProblem(_ prefix: String, scenarioName: String) -> String? {
        guard !prefix.isEmpty else { return nil }
        let expected = "expected a key prefix such as \"team/bench/\""
        guard prefix.utf8.count <= maxPrefixBytes else {
            return "\(expected) of at most \(maxPrefixBytes) bytes, found one of \(prefix.utf8.count) bytes (\(Echo.quoted(prefix, limit: 40)))"
        }
        guard prefix.hasSuffix("/") else {
            return "\(expected), ending in '/', found \(Echo.quoted(prefix)) (keys are {prefix}flushbench/{name}/...)"
        }
        let longest = prefix + "flushbench/\(scenarioName)/" + String(repeating: "r", count: 64)
            + "/18446744073709551615/00000000-0000-0000-0000-000000000000.parquet"
        do {
            try ObjectKey.validate(longest, operation: .write)
        } catch {
            let rule = error.message.range(of: "': ").map { String(error.message[$0.upperBound...]) } ?? error.message
            return "\(expected), found \(Echo.quoted(prefix)): the keys would break a rule of object keys: \(rule)"
        }
        if let long = prefix.split(separator: "/").first(where: { $0.utf8.count > maxComponentBytes }) {
            return "\(expected), found one with a component of \(long.utf8.count) bytes: a file system allows at most \(maxComponentBytes)"
        }
        return nil
    }
}
