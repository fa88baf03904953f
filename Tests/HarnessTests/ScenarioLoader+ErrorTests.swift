import Foundation
import Harness
import Testing
import WriteCache

@Suite("Scenario decoding: every mistake named by file, JSON path and expectation")
struct ScenarioLoaderErrorTests {
    @Test("a valid scenario decodes with its units")
    func validScenarioDecodes() throws {
        let loaded = try scenarios(smallScenario(extra: "\"timeLimit\": \"90s\""))
        #expect(loaded.count == 1)
        let scenario = loaded[0]
        #expect(scenario.name == "small")
        #expect(scenario.seed == 42)
        #expect(scenario.cache.capacity == 64 << 20)
        #expect(scenario.upload.partSize == 64 << 10)
        #expect(scenario.upload.retry.maxAttempts == 4)
        #expect(scenario.upload.retry.initialBackoff == .milliseconds(1))
        #expect(scenario.workload.totalFlushes == 4)
        #expect(scenario.timeLimit == .seconds(90))
    }

    @Test("an unknown key is an error with a suggestion")
    func unknownKey() {
        let found = issues(smallScenario(extra: "\"expect\": { \"leftoverFile\": 0 }"))
        #expect(found.map(\.path) == ["expect.leftoverFile"])
        #expect(found.map(\.message) == ["unknown key (did you mean \"leftoverFiles\"?)"])
    }

    @Test("a wrong type names what was found and what was expected")
    func wrongType() {
        let found = issues(smallScenario().replacingOccurrences(of: "\"regions\": 2", with: "\"regions\": \"two\""))
        #expect(found.map(\.path) == ["workload.regions"])
        #expect(found.first?.message == "expected an integer between 1 and 10000, found the string \"two\"")
    }

    @Test("a bad unit is an error naming the accepted forms")
    func badUnit() {
        let found = issues(smallScenario().replacingOccurrences(of: "\"64MiB\"", with: "\"64 parsecs\""))
        #expect(found.map(\.path) == ["cache.capacity"])
        #expect(found.first?.message.contains("expected a size such as \"8MiB\"") == true)
        let duration = issues(smallScenario().replacingOccurrences(of: "\"1ms\"", with: "\"soon\""))
        #expect(duration.map(\.path) == ["upload.retry.initialBackoff"])
    }

    @Test("a negative size is not a size")
    func negativeSize() {
        let found = issues(smallScenario().replacingOccurrences(of: "\"64MiB\"", with: "\"-5MiB\""))
        #expect(found.map(\.path) == ["cache.capacity"])
    }

    @Test("a probability above 1 is rejected at its fault's path")
    func probabilityAboveOne() {
        let found = issues(smallScenario(extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "1ms" },
                        { "op": "*", "kind": "error", "error": "SlowDown", "probability": 1.5 } ]
            """))
        #expect(found.count == 1)
        #expect(found.first?.path == "faults[1].probability")
    }

    @Test("S3 parts under 5 MiB are rejected")
    func s3PartSizeTooSmall() {
        let text = smallScenario(store: "s3").replacingOccurrences(of: "\"5MiB\"", with: "\"1MiB\"")
        let found = issues(text)
        #expect(found.contains { $0.path == "upload.partSize" && $0.message.contains("5 MiB") })
    }

    @Test("more workers than flushes is an impossible value")
    func tooMuchConcurrency() {
        let found = issues(smallScenario().replacingOccurrences(of: "\"concurrency\": 2", with: "\"concurrency\": 50"))
        #expect(found.map(\.path) == ["workload.concurrency"])
        #expect(found.first?.message.contains("at most the number of flushes (4)") == true)
    }

    @Test("every error of a file is reported at once, sorted by where it was found")
    func allErrorsAtOnce() {
        let text = smallScenario(extra: "\"expect\": { \"minFlushesSucceeded\": 9, \"colour\": \"red\" }")
            .replacingOccurrences(of: "\"memory\"", with: "\"tape\"")
            .replacingOccurrences(of: "\"seed\": 42", with: "\"seed\": -1")
        let found = issues(text)
        #expect(Set(found.map(\.path)) == ["store.kind", "seed", "expect.minFlushesSucceeded", "expect.colour"])
        #expect(found.first { $0.path == "store.kind" }?.message == "expected one of \"memory\", \"fs\", \"s3\", found \"tape\"")
    }

    @Test("a missing required field is named")
    func missingRequired() {
        let found = issues("{ \"name\": \"x\", \"store\": { \"kind\": \"memory\" } }")
        #expect(found.map(\.path) == ["workload"])
    }

    @Test("invalid JSON is a syntax error naming the file")
    func syntaxError() {
        do {
            _ = try ScenarioLoader.load(data: Data("{ \"name\": ".utf8), file: "broken.json")
            Issue.record("invalid JSON loaded")
        } catch {
            #expect(error.code == "syntax")
            #expect(error.description.hasPrefix("broken.json: 1 error"))
        }
    }

    @Test("a missing file is reported with its path")
    func missingFile() {
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/scenario.json")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.code == "unreadable")
            #expect(error.description.contains("/nonexistent/scenario.json"))
        }
    }

    @Test("a suite's scenarios override its defaults; errors carry the scenario's index")
    func suiteDefaults() throws {
        let suite = """
            { "defaults": { "store": { "kind": "memory" }, "seed": 5,
                            "workload": { "regions": 1, "flushesPerRegion": 2, "concurrency": 1, "rowsPerFlush": 10 } },
              "scenarios": [ { "name": "a" },
                             { "name": "b", "seed": 9, "workload": { "rowsPerFlush": 20 } } ] }
            """
        let loaded = try scenarios(suite)
        #expect(loaded.map(\.name) == ["a", "b"])
        #expect(loaded.map(\.seed) == [5, 9])
        #expect(loaded.map(\.workload.rowsPerFlush) == [10, 20])
        #expect(loaded[1].workload.flushesPerRegion == 2)
        let broken = suite.replacingOccurrences(of: "\"rowsPerFlush\": 20", with: "\"rowsPerFlush\": -3")
        #expect(issues(broken).map(\.path) == ["scenarios[1].workload.rowsPerFlush"])
    }

    @Test("every shipped scenario loads")
    func shippedScenariosLoad() throws {
        let directory = repositoryRoot + "/Scenarios"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") && !$0.contains("schema") }
        #expect(files.count >= 10)
        for file in files {
            let loaded = try ScenarioLoader.load(path: directory + "/" + file, validateFault: ScenarioFaults.validator)
            #expect(!loaded[0].description.isEmpty, "\(file) says what it proves")
        }
    }
}
