import Foundation
import Testing

@Suite("flushbench validate and run on scenario files, end to end", .serialized)
struct ScenarioLoaderBinaryTests {
    func write(_ text: String, name: String = "scenario.json") throws -> String {
        let path = try LocalTemporary.directory() + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the README's `Scenarios/*.json` works: the schema file is skipped with a note")
    func readmeGlobValidates() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Scenarios")
            .filter { $0.hasSuffix(".json") }.sorted().map { "Scenarios/" + $0 }
        #expect(files.contains("Scenarios/scenario.schema.json"))
        let outcome = try await Binary.run(["validate"] + files)
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.errors.contains("Scenarios/scenario.schema.json: skipped: a JSON Schema"), "\(outcome.errors)")
        #expect(outcome.output.split(separator: "\n").count == files.count - 1)
    }

    @Test("validate exits 2 with the file, line, column and path of a syntax error")
    func syntaxErrorExitsTwo() async throws {
        let file = try write(smallScenario().replacingOccurrences(of: "\"seed\": 42,", with: "\"seed\": 42"))
        let outcome = try await Binary.run(["validate", file])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains("\(file):5:3: "), "\(outcome.errors)")
    }

    @Test("validate exits 2 naming a network-layer rule's path when the store is not s3")
    func networkLayerExitsTwo() async throws {
        let file = try write(smallScenario(extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"error\", \"error\": \"SlowDown\", \"layer\": \"network\" } ]"))
        let outcome = try await Binary.run(["validate", file])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains("faults[0].layer: a network fault needs the s3 store"), "\(outcome.errors)")
    }

    @Test("validate of a directory exits 2 and says it is a directory")
    func directoryExitsTwo() async throws {
        let directory = try LocalTemporary.directory()
        let outcome = try await Binary.run(["validate", directory])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains("is a directory"), "\(outcome.errors)")
    }

    @Test("run refuses a crash rule with exit 2 instead of turning it into an error")
    func runRefusesCrashRules() async throws {
        let file = try write(smallScenario(name: "e2e-crash", extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"crash\", \"nth\": [1] } ]"))
        #expect(try await Binary.run(["validate", file]).status == 0)
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory()])
        #expect(outcome.status == 2, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.errors.contains("faults[0].kind: `run` cannot inject a crash"), "\(outcome.errors)")
    }
}
