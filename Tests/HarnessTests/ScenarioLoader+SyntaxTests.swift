import Foundation
import Harness
import Testing

/// Whether every issue of `error` is placed: by a JSON path, or by `file:line:column` in its line
/// of the description.
func everyIssueIsPlaced(_ error: ScenarioError) -> Bool {
    let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
    guard lines.count == error.issues.count, !error.issues.isEmpty else { return false }
    return zip(error.issues, lines).allSatisfy { issue, line in
        !issue.path.isEmpty || line.range(of: "^  \(NSRegularExpression.escapedPattern(for: error.file)):[0-9]+:[0-9]+: ", options: .regularExpression) != nil
    }
}

/// The error `text` produces as `file`, or `nil` when it loads.
func loadError(_ text: [UInt8], file: String = "test.json") -> ScenarioError? {
    do {
        _ = try ScenarioLoader.load(data: Data(text), file: file, validateFault: ScenarioFaults.validator)
        return nil
    } catch {
        return error
    }
}

@Suite("Scenario JSON syntax: line, column, what was found, and no duplicate keys")
struct ScenarioLoaderSyntaxTests {
    @Test("invalid JSON names the line, the column and what was found there")
    func syntaxErrorHasLineAndColumn() throws {
        let text = smallScenario().replacingOccurrences(of: "\"seed\": 42,", with: "\"seed\": 42")
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.code == "syntax")
        #expect(error.description.contains("test.json:5:3: "), "\(error)")
        #expect(error.description.contains("expected ',' or '}' after the value of \"seed\", found '\"'"), "\(error)")
        #expect(!error.description.contains("The given data was not valid JSON"))
    }

    @Test("every kind of syntax error is placed by line and column", arguments: [
        "{ \"name\": ",
        "{ \"name\": \"a\",, }",
        "{ \"name\": \"a\", }",
        "{ \"faults\": [1, 2,] }",
        "{ \"seed\": 01 }",
        "{ \"seed\": 1. }",
        "{ \"seed\": .5 }",
        "{ \"seed\": NaN }",
        "{ \"seed\": -Infinity }",
        "{ 'name': 1 }",
        "{ \"name\": tru }",
        "{ \"name\": \"a\" } extra",
        "{ \"name\": \"a\\q\" }",
        "{ \"name\": \"a\\u12\" }",
        "{ \"name\": \"line\nbreak\" }",
        "{ \"name\": \"tab\there\" }",
        "",
        "   ",
        "\u{FEFF}{}",
        String(repeating: "[", count: 5000),
    ])
    func syntaxErrorsArePlaced(text: String) throws {
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.code == "syntax")
        #expect(everyIssueIsPlaced(error), "\(error)")
        #expect(error.description.range(of: "test.json:[0-9]+:[0-9]+: ", options: .regularExpression) != nil, "\(error)")
        #expect(!error.description.contains("The given data was not valid JSON"), "\(error)")
    }

    @Test("a lone surrogate escape is named with its field and position")
    func loneSurrogate() throws {
        let text = smallScenario().replacingOccurrences(of: "a test scenario", with: "bad \\ud800 half")
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.issues.map(\.path) == ["description"])
        #expect(error.description.contains("test.json:3:23: description: "), "\(error)")
        #expect(error.issues.first?.message.contains("lone high surrogate") == true, "\(error)")
        #expect(!error.description.contains("Dictionary"))
    }

    @Test("invalid UTF-8 is named with its field and position")
    func invalidUTF8() throws {
        var bytes = Array(smallScenario().utf8)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "t")))
        bytes[at] = 0xFF
        let error = try #require(loadError(bytes))
        #expect(error.issues.first?.message.contains("not valid UTF-8") == true, "\(error)")
        #expect(everyIssueIsPlaced(error), "\(error)")
        #expect(!error.description.contains("Dictionary"))
    }

    @Test("a duplicate key is rejected, naming the key, its path and both positions")
    func duplicateKeyRejected() throws {
        let text = smallScenario().replacingOccurrences(of: "\"seed\": 42,", with: "\"seed\": 42, \"seed\": 7,")
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.issues.map(\.path) == ["seed"])
        let message = try #require(error.issues.first?.message)
        #expect(message.contains("duplicate key \"seed\" (first at 4:3)"), "\(message)")
        #expect(error.description.contains("test.json:4:15: seed: "), "\(error)")
    }

    @Test("a duplicate key inside a fault rule is named by its full path")
    func duplicateKeyInFault() throws {
        let text = smallScenario(extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"torn\", \"op\": \"read\" } ]")
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.issues.map(\.path) == ["faults[0].op"])
    }

    @Test("semantic errors carry the line and column of the value")
    func semanticErrorsAreLocated() throws {
        let text = smallScenario().replacingOccurrences(of: "\"regions\": 2", with: "\"regions\": \"two\"")
        let error = try #require(loadError(Array(text.utf8)))
        #expect(error.description.contains("test.json:9:28: workload.regions: expected an integer"), "\(error)")
    }
}
