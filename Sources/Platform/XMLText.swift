/// Text made safe for XML and HTML: the one escaper behind S3 request bodies, the fault proxy's
/// error documents, SVG charts, HTML reports and JUnit files.
public enum XMLText {
    /// `text` safe inside XML or HTML text and attribute values: `& < > " '` become entities,
    /// and control characters XML 1.0 cannot carry (all below U+0020 but tab, newline and
    /// carriage return) become U+FFFD, so a stray byte in a key or a message never makes the
    /// document invalid.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
