import Foundation

/// A parsed JSON document, kept as a tree so a decoder can walk it, report every mistake at once
/// with its path, and reject unknown keys (which `Codable` cannot do without stopping at the
/// first error). ``JSONParser`` makes it from a file's bytes, strictly.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's type, for messages ("a string", "an object"); strings and
    /// numbers are quoted as written, cut short when long.
    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "the boolean \(value)"
        case .number(let value): return "the number \(value.quotedText)"
        case .string(let value): return "the string \(Echo.quoted(value))"
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

    /// The path (relative to this value) and text of the first number in it that no 64-bit
    /// floating-point number can hold (`1e400`), if any.
    func firstNumberBeyondDouble(_ path: String = "") -> (path: String, text: String)? {
        switch self {
        case .number(let number):
            return number.double.isFinite ? nil : (path, number.quotedText)
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = item.firstNumberBeyondDouble(JSONPath.element(path, index)) { return found }
            }
            return nil
        case .object(let fields):
            for key in fields.keys.sorted() {
                if let found = fields[key]!.firstNumberBeyondDouble(JSONPath.child(path, key)) { return found }
            }
            return nil
        default:
            return nil
        }
    }
}

/// A JSON number as written, so integers stay exact (a seed above 2^53 is not rounded) and a
/// message can quote what the author wrote.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's text in the file (`1.5`, `-3`, `1e300`).
    public let text: String
    /// The nearest floating-point value (infinite when the number is beyond its range).
    public let double: Double

    /// A number from its JSON text (which ``JSONParser`` has checked).
    public init(text: String) {
        self.text = text
        self.double = Double(text) ?? .nan
    }

    /// A number from a value.
    public init(_ value: Double) {
        self.text = JSONValue.format(value)
        self.double = value
    }

    /// The exact value when the number is a whole number that fits in 64 bits: plain integers
    /// exactly, others (`2.0`, `1e3`) only while a `Double` holds them exactly (up to 2^53).
    public var integer: Int64? {
        if isPlainInteger { return Int64(text) }
        guard double == double.rounded(), abs(double) < 9_007_199_254_740_992 else { return nil }
        return Int64(double)
    }

    /// Like ``integer``, for the non-negative range of `UInt64` (seeds, byte counts).
    public var unsigned: UInt64? {
        if isPlainInteger { return text == "-0" ? 0 : UInt64(text) }
        guard double == double.rounded(), double >= 0, double < 9_007_199_254_740_992 else { return nil }
        return UInt64(double)
    }

    private var isPlainInteger: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The text, cut short when very long, for messages.
    var quotedText: String { text.count <= 40 ? text : text.prefix(30) + "… (\(text.count) digits)" }

    public var description: String { text }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(JSONNumber(text: String(value)))
        } else if let value = try? container.decode(UInt64.self) {
            self = .number(JSONNumber(text: String(value)))
        } else if let value = try? container.decode(Double.self) {
            self = .number(JSONNumber(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value; whole numbers that fit in 64 bits are encoded exactly.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let integer = value.integer {
                try container.encode(integer)
            } else if let unsigned = value.unsigned {
                try container.encode(unsigned)
            } else {
                try container.encode(value.double)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
