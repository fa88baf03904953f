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
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "$" : text
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
