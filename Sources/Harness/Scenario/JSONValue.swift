public import Foundation

/// A parsed JSON document, kept as a tree so a decoder can walk it, report every mistake at once
/// with its path, and reject unknown keys (which `Codable` cannot do without stopping at the
/// first error).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data` as JSON.
    ///
    /// - Throws: `DecodingError` with the position of the syntax error.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// A short name of the value's type, for messages ("a string", "an object").
    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "the boolean \(value)"
        case .number(let value): return "the number \(Self.format(value))"
        case .string(let value): return "the string \"\(value.prefix(60))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Merges `override` over `self`: objects merge key by key (recursively), anything else is
    /// replaced. Used for a suite's `defaults`.
    public func merged(with override: JSONValue) -> JSONValue {
        guard case .object(let base) = self, case .object(let top) = override else { return override }
        var result = base
        for (key, value) in top {
            result[key] = base[key].map { $0.merged(with: value) } ?? value
        }
        return .object(result)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
