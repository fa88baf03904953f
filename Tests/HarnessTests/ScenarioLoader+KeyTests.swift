import Foundation
import Harness
import Testing

@Suite("Scenario names and prefixes: only what makes valid object keys")
struct ScenarioLoaderKeyTests {
    func withPrefix(_ prefix: String) -> String {
        smallScenario().replacingOccurrences(of: "\"kind\": \"memory\"", with: "\"kind\": \"memory\", \"prefix\": \(prefix)")
    }

    @Test("a prefix that can never form a valid key is rejected at validation", arguments: [
        "\"a//b/\"", "\"a\\u0000b/\"", "\"..\"", "\".\"", "\"../\"", "\"a/./\"", "\"/abs/\"",
        "\"\(String(repeating: "k", count: 2000))/\"", "\"\(String(repeating: "k", count: 300))/\"", "\"team/bench\"",
    ])
    func impossiblePrefixRejected(prefix: String) {
        let found = issues(withPrefix(prefix))
        #expect(found.map(\.path) == ["store.prefix"], "\(found)")
        #expect((found.first?.message.count ?? 0) < 400, "the message echoes the whole prefix")
    }

    @Test("a prefix with dots inside a component is safe and accepted", arguments: ["\"x..y/\"", "\"a.b/..c/\"", "\"team/bench/\"", "\"\""])
    func safePrefixAccepted(prefix: String) {
        #expect(issues(withPrefix(prefix)).isEmpty)
    }

    @Test("an absolute prefix is told it is absolute, not about '..'")
    func absolutePrefixMessage() {
        let found = issues(withPrefix("\"/abs/\""))
        #expect(found.first?.message.contains("relative") == true, "\(found)")
        #expect(found.first?.message.contains("..") == false, "\(found)")
    }

    @Test("a name that cannot be a key component or a file name is rejected", arguments: [
        ".", "..", "é-accent", "a/b", "a b", String(repeating: "n", count: 101), "",
    ])
    func impossibleNameRejected(name: String) {
        let found = issues(smallScenario(name: name))
        #expect(found.map(\.path) == ["name"], "\(found)")
    }

    @Test("an empty key is named by a path of its own", arguments: [
        ("\"seed\": 42", "\"\": 1, \"seed\": 42", "[\"\"]"),
        ("\"kind\": \"memory\"", "\"kind\": \"memory\", \"\": 1", "store[\"\"]"),
        ("\"kind\": \"memory\"", "\"kind\": \"memory\", \"a.b\": 1", "store[\"a.b\"]"),
    ])
    func emptyKeyHasPath(original: String, replacement: String, path: String) {
        let found = issues(smallScenario().replacingOccurrences(of: original, with: replacement))
        #expect(found.map(\.path) == [path], "\(found)")
        #expect(found.first?.message.hasPrefix("unknown key") == true)
    }
}
