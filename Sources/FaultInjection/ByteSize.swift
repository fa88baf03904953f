/// A size in bytes as scenario files write it: an integer, or a string with a unit
/// (`"8MiB"`, `"512KiB"`, `"1GB"`, `"1.5MiB"`, `"100B"`).
///
/// Binary units (`KiB`, `MiB`, `GiB`, `TiB`) are powers of 1024, decimal ones (`KB`, `MB`,
/// `GB`, `TB`) powers of 1000; units are matched without regard to case. Sizes are 64-bit.
/// Encodes as an integer, so a decoded and re-encoded scenario says exactly what was used.
public struct ByteSize: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The size in bytes.
    public var bytes: UInt64

    /// A size of `bytes` bytes.
    public init(_ bytes: UInt64) {
        self.bytes = bytes
    }

    public init(integerLiteral value: UInt64) {
        self.bytes = value
    }

    /// Parses a size written as a number with an optional unit.
    ///
    /// - Parameter text: `"8MiB"`, `"512 KiB"`, `"1GB"`, `"4096"`.
    /// - Errors: ``UnitParseError`` naming what was wrong (no number, unknown unit, too large).
    public init(parsing text: String) throws(UnitParseError) {
        let (number, unit) = try UnitText.split(text, what: "size", example: "\"8MiB\"")
        let multipliers: [String: Double] = [
            "": 1, "b": 1,
            "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let multiplier = multipliers[unit.lowercased()] else {
            throw UnitParseError(text: text, reason: "unknown size unit '\(unit)' (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)")
        }
        let value = number * multiplier
        guard value < 1.8e19 else { throw UnitParseError(text: text, reason: "the size does not fit in 64 bits") }
        guard value.rounded() == value else {
            throw UnitParseError(text: text, reason: "the size is not a whole number of bytes")
        }
        self.bytes = UInt64(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(UInt64.self) {
            self.bytes = integer
        } else if let text = try? container.decode(String.self) {
            do {
                self.bytes = try ByteSize(parsing: text).bytes
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a size: a whole number of bytes or a string such as \"8MiB\", found \(JSONValueDescription.of(container))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// The size in the largest binary unit that divides it (`"8MiB"`), else in bytes.
    public var description: String {
        for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes > 0 && bytes % (1 << UInt64(shift)) == 0 {
            return "\(bytes >> UInt64(shift))\(unit)"
        }
        return "\(bytes)B"
    }
}

/// A size or duration string that could not be parsed.
public struct UnitParseError: Error, Sendable, CustomStringConvertible {
    /// The text as written.
    public var text: String
    /// What was wrong with it, and what is expected instead.
    public var reason: String

    public var description: String { "'\(text)': \(reason)" }
}

/// Splitting "<number><unit>" texts, shared by sizes and durations.
enum UnitText {
    static func split(_ text: String, what: String, example: String) throws(UnitParseError) -> (Double, String) {
        let trimmed = text.trimmingSpaces()
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == ".") } ?? trimmed.endIndex
        let numberText = trimmed[..<numberEnd]
        let unit = String(trimmed[numberEnd...]).trimmingSpaces()
        guard !numberText.isEmpty, let number = Double(numberText), number.isFinite else {
            throw UnitParseError(text: text, reason: "expected a \(what) such as \(example): a non-negative number followed by a unit")
        }
        return (number, unit)
    }
}

/// How a JSON value that had the wrong type looked, for decoding errors.
enum JSONValueDescription {
    static func of(_ container: any SingleValueDecodingContainer) -> String {
        if container.decodeNil() { return "null" }
        if let value = try? container.decode(Bool.self) { return "\(value)" }
        if let value = try? container.decode(Double.self) { return "\(value)" }
        if let value = try? container.decode(String.self) { return "\"\(shown(value).dropFirst().dropLast())\"" }
        return "an array or object"
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
