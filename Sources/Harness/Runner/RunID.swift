public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The identity of one run: when it started, which process ran it and a random tag, e.g.
/// `20261130T221503Z-p4242-9f3a`.
///
/// It names the run's work area (in its marker) and is a segment of every remote key the run
/// writes (`PREFIX/flushbench/SCENARIO/RUN-ID/REGION/FILE`), so concurrent runs on one bucket never
/// collide and `flushbench gc` can tell which run left an object.
public struct RunID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The identity as text (letters, digits and `-` only: safe in keys and file names).
    public let value: String

    /// A new identity for a run starting now in this process.
    public static func make(date: Date = Date(), processID: Int32 = getpid()) -> RunID {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let tag = String(UInt16.random(in: .min ... .max), radix: 16)
        return RunID(unchecked: "\(formatter.string(from: date))-p\(processID)-" + String(repeating: "0", count: 4 - tag.count) + tag)
    }

    /// Parses an identity; `nil` unless `text` has the form `YYYYMMDDTHHMMSSZ-pPID-XXXX`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 16, parts[0].utf8.allSatisfy({ $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "Z") || ($0 >= 48 && $0 <= 57) }),
              parts[1].hasPrefix("p"), Int32(parts[1].dropFirst()) != nil,
              parts[2].count == 4, parts[2].utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        value = text
    }

    private init(unchecked value: String) {
        self.value = value
    }

    /// The process that ran it.
    public var processID: Int32? {
        value.split(separator: "-").dropFirst().first.flatMap { Int32($0.dropFirst()) }
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RunID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a run id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// The remote key layout of one run: the scenario's base prefix (seeded, the same every run) and
/// the run's own prefix below it.
public struct RunKeys: Sendable, Equatable {
    /// `store.prefix + "flushbench/" + scenario + "/"`: what the cache and the fault layer see.
    public var basePrefix: String
    /// The run's identity.
    public var runID: RunID

    public init(basePrefix: String, runID: RunID) {
        self.basePrefix = basePrefix
        self.runID = runID
    }

    /// `basePrefix + runID + "/"`: where the run's objects really are.
    public var runPrefix: String { basePrefix + runID.value + "/" }

    /// The real key of a key the cache uses (below the base prefix); other keys are unchanged.
    public func realKey(_ key: String) -> String {
        key.hasPrefix(basePrefix) ? runPrefix + key.dropFirst(basePrefix.count) : key
    }

    /// The key the cache uses for a real key of this run; `nil` for a key of another run.
    public func seededKey(_ key: String) -> String? {
        if key.hasPrefix(runPrefix) { return basePrefix + key.dropFirst(runPrefix.count) }
        return key.hasPrefix(basePrefix) ? nil : key
    }
}
