import Platform
import Testing

@Suite("XMLText: one escaper for every XML and HTML document flushbench writes")
struct XMLTextEscapingTests {
    @Test("markup characters become entities; tabs, newlines and other text pass unchanged")
    func markupBecomesEntities() {
        #expect(XMLText.escaped(#"<a href="x">Tom & 'Jerry'</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;")
        #expect(XMLText.escaped("line\tone\nline two\r ü 🚀") == "line\tone\nline two\r ü 🚀")
    }

    @Test("control characters XML 1.0 cannot carry become U+FFFD, so the document stays valid")
    func controlCharactersReplaced() {
        #expect(XMLText.escaped("key\u{0}with\u{1B}bytes") == "key\u{FFFD}with\u{FFFD}bytes")
    }
}
