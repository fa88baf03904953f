import Platform
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: just enough of a tree for S3's small response documents.
struct S3XMLElement: Sendable {
    var name: String
    var text: String = ""
    var children: [S3XMLElement] = []

    /// The first child called `name`.
    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

    /// Every child called `name`, in document order.
    func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// The text of the first child called `name`.
    func text(_ name: String) -> String? { child(name)?.text }

    /// Parses `bytes`; `nil` when they are not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> S3XMLElement? {
        guard !bytes.isEmpty else { return nil }
        let parser = XMLParser(data: Data(bytes))
        let builder = TreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        guard parser.parse() else { return nil }
        return builder.root
    }
}

/// Builds the tree as XMLParser walks the document.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [S3XMLElement] = []
    var root: S3XMLElement?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        stack.append(S3XMLElement(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard var element = stack.popLast() else { return }
        if !element.children.isEmpty { element.text = "" }
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }
}

/// Escapes `text` for use as XML character data.
func xmlEscaped(_ text: String) -> String {
    XMLText.escaped(text)
}

/// Percent-encodes `text` as SigV4 wants it: every byte but `A-Z a-z 0-9 - _ . ~` (and `/`
/// when `keepSlash`) becomes `%XX` with upper-case hex.
func s3PercentEncoded(_ text: String, keepSlash: Bool) -> String {
    let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            out.append(byte)
        case UInt8(ascii: "/") where keepSlash:
            out.append(byte)
        default:
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// A query string in SigV4 canonical form: parameters sorted by name, each `name=value` with
/// both percent-encoded (libcurl 7.88 signs the query exactly as given, so it must already be
/// canonical).
func s3CanonicalQuery(_ parameters: [(String, String)]) -> String {
    var encoded: [(name: String, value: String)] = []
    for (name, value) in parameters {
        encoded.append((s3PercentEncoded(name, keepSlash: false), s3PercentEncoded(value, keepSlash: false)))
    }
    encoded.sort { left, right in left.name != right.name ? left.name < right.name : left.value < right.value }
    var parts: [String] = []
    for pair in encoded { parts.append(pair.name + "=" + pair.value) }
    return parts.joined(separator: "&")
}
