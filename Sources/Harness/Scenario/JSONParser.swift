/// A strict JSON parser (RFC 8259) that remembers where every value is.
///
/// `JSONSerialization` says only "The given data was not valid JSON", rounds integers above
/// 2^53, keeps the first of two equal keys and cannot say where a value was. This parser
/// stops at the first syntax error with its line, column, the JSON path it was in and what it
/// found there; keeps numbers as written; records the byte offset of every value by path; and
/// lists every duplicate key with both positions. It accepts nothing JSON does not: no
/// comments, trailing commas, NaN, lone surrogates, control characters in strings, invalid
/// UTF-8 or a byte order mark.
struct JSONParser {
    /// A parsed document and where its values are.
    struct Document {
        var root: JSONValue
        /// The byte offset of each value, by JSON path (`""` for the root).
        var offsets: [String: Int]
        /// Every repeated key: its path, the offset of the repeat and of the first one.
        var duplicates: [(path: String, key: String, offset: Int, first: Int)]
    }

    /// The first syntax error: where, in which JSON path, and what was wrong.
    struct SyntaxError: Error {
        var offset: Int
        var path: String
        var message: String
    }

    /// How deep arrays and objects may nest (a scenario needs five levels).
    static let maxDepth = 100

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private var offsets: [String: Int] = [:]
    private var duplicates: [(path: String, key: String, offset: Int, first: Int)] = []

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `bytes` as one JSON value.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Document {
        var parser = JSONParser(bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw SyntaxError(offset: 0, path: "", message: "the file starts with a byte order mark (BOM); save it as UTF-8 without one")
        }
        parser.skipWhitespace()
        if parser.index == bytes.count {
            throw SyntaxError(offset: 0, path: "", message: "the file is empty or only whitespace; expected a JSON object such as { \"name\": ... }")
        }
        let root = try parser.value("")
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.failure("", "expected the end of the file after the JSON document (a scenario file holds one object), found \(parser.found())")
        }
        return Document(root: root, offsets: parser.offsets, duplicates: parser.duplicates)
    }

    // MARK: - Values

    private mutating func value(_ path: String) throws(SyntaxError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure(path, "expected a value, found the end of the file") }
        offsets[path] = index
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(path)
        case UInt8(ascii: "["): return try array(path)
        case UInt8(ascii: "\""): return .string(try string(path))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number(path))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let word = self.word()
            switch word {
            case "true": index += 4; return .bool(true)
            case "false": index += 5; return .bool(false)
            case "null": index += 4; return .null
            default: throw failure(path, "expected a value (true, false, null, a number, a string, an array or an object), found \(found())")
            }
        case UInt8(ascii: "."), UInt8(ascii: "+"):
            throw failure(path, "expected a value, found \(found()): a JSON number starts with a digit or '-' (write 0.5, not .5 or +5)")
        case UInt8(ascii: "'"):
            throw failure(path, "expected a value, found a single quote: JSON strings take double quotes")
        default:
            if ["NaN", "Infinity"].contains(word()) {
                throw failure(path, "expected a value, found \(found()): JSON has no NaN or Infinity")
            }
            throw failure(path, "expected a value (true, false, null, a number, a string, an array or an object), found \(found())")
        }
    }

    private mutating func object(_ path: String) throws(SyntaxError) -> JSONValue {
        try enter(path)
        index += 1
        var fields: [String: JSONValue] = [:]
        var keyOffsets: [String: Int] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                if peek(UInt8(ascii: "}")), !fields.isEmpty {
                    throw failure(path, "expected a key after ',', found '}': JSON allows no comma after the last member")
                }
                throw failure(path, "expected a key in double quotes, found \(found())")
            }
            let keyOffset = index
            let key = try string(path)
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else {
                throw failure(path, "expected ':' after the key \(Echo.quoted(key, limit: 40)), found \(found())")
            }
            index += 1
            let childPath = JSONPath.child(path, key)
            if let first = keyOffsets[key] {
                duplicates.append((childPath, key, keyOffset, first))
            } else {
                keyOffsets[key] = keyOffset
            }
            fields[key] = try value(childPath)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            if peek(UInt8(ascii: "}")) {
                index += 1
                depth -= 1
                return .object(fields)
            }
            let hint = peek(UInt8(ascii: "\"")) ? " (a ',' is missing between two members?)" : ""
            throw failure(path, "expected ',' or '}' after the value of \(Echo.quoted(key, limit: 40)), found \(found())\(hint)")
        }
    }

    private mutating func array(_ path: String) throws(SyntaxError) -> JSONValue {
        try enter(path)
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if peek(UInt8(ascii: "]")) {
                throw failure(path, "expected a value after ',', found ']': JSON allows no comma after the last element")
            }
            items.append(try value(JSONPath.element(path, items.count)))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
                continue
            }
            if peek(UInt8(ascii: "]")) {
                index += 1
                depth -= 1
                return .array(items)
            }
            throw failure(path, "expected ',' or ']' after element \(items.count - 1), found \(found())")
        }
    }

    private mutating func enter(_ path: String) throws(SyntaxError) {
        depth += 1
        if depth > Self.maxDepth {
            throw failure(path, "arrays and objects nest more than \(Self.maxDepth) levels deep here; a scenario needs a handful")
        }
    }

    // MARK: - Numbers

    private mutating func number(_ path: String) throws(SyntaxError) -> JSONNumber {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if peek(UInt8(ascii: "-")) { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        if integerDigits == 0 {
            throw failure(path, "expected a digit after '-', found \(found())")
        }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            index = integerStart
            throw failure(path, "a JSON number cannot start with 0 followed by more digits (found \(found())); write it without the leading zero")
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            if digits() == 0 { throw failure(path, "expected a digit after the decimal point, found \(found())") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            if digits() == 0 { throw failure(path, "expected a digit in the exponent, found \(found())") }
        }
        return JSONNumber(text: String(decoding: bytes[start..<index], as: UTF8.self))
    }

    // MARK: - Strings

    /// Parses the string at `index` (which is at its opening quote).
    private mutating func string(_ path: String) throws(SyntaxError) -> String {
        let start = index
        index += 1
        var buffer: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw failure(path, "the string that starts at \(LineIndex(bytes).location(start)) is not closed before the end of the file", at: start)
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(path, into: &buffer)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw failure(path, "the string that starts at \(LineIndex(bytes).location(start)) is not closed on its line (write a line break inside a string as \\n)")
            case 0..<0x20, 0x7F:
                throw failure(path, "a control character (\(Self.codePoint(UInt32(byte)))) inside a string; write it as an escape such as \\t or \\u00\(String(byte, radix: 16, uppercase: true))")
            case 0x80...:
                try utf8Sequence(path, into: &buffer)
            default:
                buffer.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(_ path: String, into buffer: inout [UInt8]) throws(SyntaxError) {
        index += 1
        guard index < bytes.count else { throw failure(path, "the string is not closed before the end of the file") }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let replacement = simple[bytes[index]] {
            buffer.append(replacement)
            index += 1
            return
        }
        guard bytes[index] == UInt8(ascii: "u") else {
            index -= 1
            throw failure(path, "unknown escape \(found(limit: 2)) in a string (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)")
        }
        let escapeStart = index - 1
        let first = try hexQuad(path)
        var scalarValue = first
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                index = escapeStart
                throw failure(path, "the escape \\u\(Self.hex(first)) is a lone high surrogate (half of a UTF-16 pair) with no low surrogate after it; it is not a character")
            }
            index += 1
            let second = try hexQuad(path)
            guard (0xDC00...0xDFFF).contains(second) else {
                index = escapeStart
                throw failure(path, "the escape \\u\(Self.hex(first)) is a high surrogate followed by \\u\(Self.hex(second)), not by a low surrogate (\\uDC00-\\uDFFF)")
            }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            index = escapeStart
            throw failure(path, "the escape \\u\(Self.hex(first)) is a lone low surrogate (half of a UTF-16 pair); it is not a character")
        }
        buffer.append(contentsOf: String(Character(Unicode.Scalar(scalarValue)!)).utf8)
    }

    /// Reads `uXXXX` (at `index`, which is at the `u`) and returns its value.
    private mutating func hexQuad(_ path: String) throws(SyntaxError) -> UInt32 {
        index += 1
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = Self.hexDigit(bytes[index]) else {
                throw failure(path, "expected four hexadecimal digits after \\u, found \(found())")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Copies one multi-byte UTF-8 character, or reports the invalid byte.
    private mutating func utf8Sequence(_ path: String, into buffer: inout [UInt8]) throws(SyntaxError) {
        let lead = bytes[index]
        let length: Int
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: throw failure(path, "the byte 0x\(String(lead, radix: 16, uppercase: true)) is not valid UTF-8; save the file as UTF-8")
        }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            guard index + offset < bytes.count, bytes[index + offset] & 0xC0 == 0x80 else {
                throw failure(path, "the bytes here are not valid UTF-8 (a character starting with 0x\(String(lead, radix: 16, uppercase: true)) is cut short); save the file as UTF-8")
            }
            value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
        }
        if value < minimum || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) {
            throw failure(path, "the bytes here are not valid UTF-8 (an overlong form or a surrogate, \(Self.codePoint(value))); save the file as UTF-8")
        }
        buffer.append(contentsOf: bytes[index..<index + length])
        index += length
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    /// The run of letters and digits at `index` (at most 20), for messages and literals.
    private func word() -> String {
        var end = index
        while end < bytes.count, end - index < 20, bytes[end] < 0x80,
              Character(Unicode.Scalar(bytes[end])).isLetter || Character(Unicode.Scalar(bytes[end])).isNumber {
            end += 1
        }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    /// What is at `index`, for "found ..." (a word, one character, or the end of the file).
    private func found(limit: Int = 20) -> String {
        guard index < bytes.count else { return "the end of the file" }
        let word = self.word()
        if word.count > 1 { return "'\(word)'" }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""): return "'\"'"
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
        case 0..<0x20, 0x7F: return "a control character (\(Self.codePoint(UInt32(byte))))"
        case 0x80...:
            let end = min(bytes.count, index + 4)
            if let character = String(validating: bytes[index..<end], as: UTF8.self)?.first
                ?? String(validating: bytes[index..<min(end, index + 3)], as: UTF8.self)?.first
                ?? String(validating: bytes[index..<min(end, index + 2)], as: UTF8.self)?.first {
                return "'\(character)' (\(Self.codePoint(character.unicodeScalars.first!.value)))"
            }
            return "the byte 0x\(String(byte, radix: 16, uppercase: true)), which is not valid UTF-8"
        default:
            let end = min(bytes.count, index + limit)
            let text = String(decoding: bytes[index..<end], as: UTF8.self).prefix { $0 != "\n" && $0 != "\r" }
            return "'\(text.prefix(limit == 20 ? 1 : limit))'"
        }
    }

    private func failure(_ path: String, _ message: String, at offset: Int? = nil) -> SyntaxError {
        SyntaxError(offset: offset ?? index, path: path, message: message)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    private static func codePoint(_ value: UInt32) -> String { "U+" + hex(value) }
}
