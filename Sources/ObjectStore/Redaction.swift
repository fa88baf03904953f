import Foundation

/// Keeps secrets out of text that reaches messages, logs and reports.
///
/// Two rules: credentials never travel inside a URL we print (``strippingCredentials(fromURL:)``),
/// and a secret is replaced only where it stands as a whole token (``redact(_:secrets:)``), so a
/// short secret such as `"a"` does not turn every `a` of a message into the placeholder.
public enum Redaction {
    /// What a secret is replaced with.
    public static let placeholder = "<redacted>"

    /// Replaces every whole occurrence of each secret in `text` with ``placeholder``.
    ///
    /// An occurrence is whole when the characters on both sides of it are not letters or digits
    /// (or it touches the start or end of the text): `"k"` is redacted in `"key k is wrong"` but not
    /// inside `"key"`. Where a secret itself begins or ends with a punctuation character, that side
    /// needs no boundary. Longer secrets are replaced first, so one that contains another is
    /// replaced whole. Empty secrets are ignored.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in Set(secrets).filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            result = redact(result, secret: secret)
        }
        return result
    }

    private static func redact(_ text: String, secret: String) -> String {
        guard let first = secret.first, let last = secret.last else { return text }
        var output = ""
        var position = text.startIndex
        var searchFrom = text.startIndex
        while let match = text.range(of: secret, range: searchFrom..<text.endIndex) {
            let before = match.lowerBound > text.startIndex ? text[text.index(before: match.lowerBound)] : nil
            let after = match.upperBound < text.endIndex ? text[match.upperBound] : nil
            let wholeAtStart = !isTokenCharacter(first) || before.map { !isTokenCharacter($0) } ?? true
            let wholeAtEnd = !isTokenCharacter(last) || after.map { !isTokenCharacter($0) } ?? true
            if wholeAtStart && wholeAtEnd {
                output += text[position..<match.lowerBound]
                output += placeholder
                position = match.upperBound
                searchFrom = match.upperBound
            } else {
                searchFrom = text.index(after: match.lowerBound)
            }
        }
        output += text[position...]
        return output
    }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    /// `url` without a user name and password (`http://user:pass@host:9000/x` becomes
    /// `http://host:9000/x`); any other text is returned unchanged.
    public static func strippingCredentials(fromURL url: String) -> String {
        guard let (_, userInfo) = parts(of: url), let userInfo else { return url }
        return String(url[..<userInfo.lowerBound]) + String(url[url.index(after: userInfo.upperBound)...])
    }

    /// The secrets a URL carries in its user information: the password, as written and
    /// percent-decoded. Empty when there is none.
    public static func secrets(inURL url: String) -> [String] {
        guard let (_, userInfo) = parts(of: url), let userInfo else { return [] }
        let info = url[userInfo]
        guard let colon = info.firstIndex(of: ":") else { return [] }
        let password = String(info[info.index(after: colon)...])
        guard !password.isEmpty else { return [] }
        return [password, percentDecoded(password)].filter { !$0.isEmpty }
    }

    /// The authority of `url` (after `scheme://`, up to the path) and the user information in it
    /// (before its last `@`), if any.
    private static func parts(of url: String) -> (authority: Range<String.Index>, userInfo: Range<String.Index>?)? {
        guard let scheme = url.range(of: "://") else { return nil }
        let start = scheme.upperBound
        let end = url[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = start..<end
        guard let at = url[authority].lastIndex(of: "@") else { return (authority, nil) }
        return (authority, start..<at)
    }

    private static func percentDecoded(_ text: String) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
