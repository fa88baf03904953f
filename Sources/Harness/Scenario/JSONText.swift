import FaultInjection

/// Where something is in a scenario file: a 1-based line and column (columns count characters,
/// so a tab or an "é" is one column).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column, from 1.
    public var column: Int

    /// A location at `line`, `column`.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`, the form editors and compilers use.
    public var description: String { "\(line):\(column)" }
}

/// The line starts of a text, to turn byte offsets into lines and columns.
struct LineIndex: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(offset + 1)
        }
        self.starts = starts
    }

    /// The line and column of the byte at `offset` (a column counts UTF-8 lead bytes, so each
    /// character is one column even when it takes several bytes).
    func location(_ offset: Int) -> SourceLocation {
        let offset = min(max(offset, 0), bytes.count)
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var column = 1
        for byte in bytes[starts[low]..<offset] where byte & 0xC0 != 0x80 {
            column += 1
        }
        return SourceLocation(line: low + 1, column: column)
    }
}

/// JSON paths as scenario messages write them: `faults[2].probability`; a key that is not a
/// plain name is quoted in brackets (`store[""]`, `cache["time to idle"]`), so every key,
/// including an empty one, has a path of its own. One rule with the fault layer's paths
/// (``DecodingErrorText/member(_:_:)``).
enum JSONPath {
    /// The path of `key` inside the object at `path`.
    static func child(_ path: String, _ key: String) -> String { DecodingErrorText.member(path, key) }

    /// The path of element `index` of the array at `path`.
    static func element(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }
}

/// Text from a scenario file quoted into a message: escaped so control characters show, and
/// cut short so a huge value cannot flood the terminal.
enum Echo {
    /// `text` in double quotes with JSON escapes, at most `limit` characters of it; a longer
    /// text ends in `…` and says how long it was.
    static func quoted(_ text: String, limit: Int = 60) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                return result + "…\" (\(text.unicodeScalars.count) characters)"
            }
            result += escaped(scalar)
            count += 1
        }
        return result + "\""
    }

    /// `text` with control characters escaped and cut to `limit` characters: the last guard
    /// on every message a scenario error prints.
    static func sanitized(_ text: String, limit: Int) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return result + "… (cut; \(text.unicodeScalars.count) characters)" }
            result += scalar.value < 0x20 || scalar.value == 0x7F ? escaped(scalar) : String(scalar)
            count += 1
        }
        return result
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            guard scalar.value < 0x20 || scalar.value == 0x7F else { return String(scalar) }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
    }
}
