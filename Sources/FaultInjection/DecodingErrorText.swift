/// Turns a `DecodingError` into one line that names the JSON path and what was expected:
/// `faults[2].probability: expected a number between 0 and 1, found 1.5`.
///
/// Scenario authors read these; the scenario runner prints them with the file name and exits
/// with status 2.
public enum DecodingErrorText {
    /// The JSON path of `codingPath`: `faults[2].probability` (`$` for the document itself).
    public static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text = member(text, key.stringValue)
            }
        }
        return text.isEmpty ? "$" : text
    }

    /// The path of `key` inside the object at `path`: `path.key` for a plain name (ASCII
    /// letters, digits and `_`, not starting with a digit, at most 64 characters), else
    /// `path["key"]` with the key JSON-escaped (`:` too, so `path: message` splits at the right
    /// place) and cut to 40 characters, so every key, the empty one included, has a path.
    public static func member(_ path: String, _ key: String) -> String {
        if isPlainName(key) { return path.isEmpty ? key : "\(path).\(key)" }
        var quoted = "\""
        for (count, scalar) in key.unicodeScalars.enumerated() {
            if count == 40 {
                quoted += "…"
                break
            }
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case ":", "\u{7F}", "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return "\(path)[\(quoted)\"]"
    }

    private static func isPlainName(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard let first = utf8.first, utf8.count <= 64, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// A one-line description of `error`: the path, then the problem.
    ///
    /// - Parameter error: any error thrown while decoding; errors other than `DecodingError`
    ///   are described as they describe themselves.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let underlying = context.underlyingError {
                return "$: not valid JSON (\(underlying))"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing (this field is required)"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(expectedName(type)), found another type"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(expectedName(type)), found null"
        @unknown default:
            return "\(error)"
        }
    }

    private static func expectedName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is UInt64.Type, is Int64.Type: "a whole number"
        default: "a value of type \(type)"
        }
    }
}
