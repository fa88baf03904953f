import Foundation
import Harness
import Testing

@Suite("The flushbench binary: results are never overwritten, carry a schema version and no secret")
struct FlushbenchBinaryResultFileTests {
    func write(_ text: String, as name: String) throws -> String {
        let path = try LocalTemporary.directory() + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("two scenarios sharing a name both keep their result, and every result carries schemaVersion 1")
    func sameNameResultsAreBothKept() async throws {
        let first = try write(smallScenario(name: "dup"), as: "a.json")
        let second = try write(smallScenario(name: "dup", flushes: 2), as: "b.json")
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", first, second, "--out", out])
        #expect(outcome.status == 0, "\(outcome.errors)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(runs.count == 1)
        let directory = out + "/" + runs[0]
        let charts = ["dup", "dup-2"].flatMap { label in RunCharts.kinds.map { "\(label)-\($0).svg" } }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == Set(["dup.json", "dup-2.json", "summary.md", "report.html"] + charts))
        let attempted = try ["dup.json", "dup-2.json"].map { try ResultWriter.read(directory + "/" + $0).flushes.attempted }
        #expect(attempted == [4, 2])
        for name in ["dup.json", "dup-2.json"] {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))) as? [String: Any]
            #expect(json?["schemaVersion"] as? Int == RunResult.currentSchemaVersion)
        }
    }

    @Test("a password in the endpoint URL reaches neither the result, the summary nor the output")
    func endpointPasswordNeverReported() async throws {
        let password = "pa55-Word-9x"
        let file = try write(smallScenario(name: "secret-url", store: "s3", flushes: 2)
            .replacingOccurrences(of: "\"kind\": \"s3\"", with: "\"kind\": \"s3\", \"endpoint\": \"http://alice:\(password)@127.0.0.1:9\""), as: "s.json")
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", file, "--out", out], environment: [
            "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret-key", "AWS_ENDPOINT_URL": "",
        ])
        #expect(!outcome.output.contains(password) && !outcome.errors.contains(password))
        #expect(!outcome.output.contains("test-secret-key") && !outcome.errors.contains("test-secret-key"))
        for path in FileManager.default.subpaths(atPath: out) ?? [] {
            guard let text = try? String(contentsOfFile: out + "/" + path, encoding: .utf8) else { continue }
            #expect(!text.contains(password), "\(path)")
            #expect(!text.contains("alice:"), "\(path)")
        }
        let results = (FileManager.default.subpaths(atPath: out) ?? []).filter { $0.hasSuffix("secret-url.json") }
        for path in results {
            #expect(try ResultWriter.read(out + "/" + path).store.contains("http://127.0.0.1:9"))
        }
    }
}

@Suite("Result files: created exclusively, never overwritten")
struct ResultWriterExclusiveTests {
    @Test("writing a result or a summary under a taken name adds a suffix and keeps both")
    func takenNamesGetSuffixes() async throws {
        let directory = try LocalTemporary.directory()
        let first = try await ResultWriter.writeFile(Data("first".utf8), to: directory + "/summary.md")
        let second = try await ResultWriter.writeFile(Data("second".utf8), to: directory + "/summary.md")
        #expect(first == directory + "/summary.md")
        #expect(second == directory + "/summary-2.md")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "second")
    }

    @Test("two runs in the same second get two result directories")
    func runDirectoriesAreExclusive() async throws {
        let out = try LocalTemporary.directory()
        let first = try await ResultWriter.makeRunDirectory(in: out, stamp: "2026-11-30T220000Z")
        let second = try await ResultWriter.makeRunDirectory(in: out, stamp: "2026-11-30T220000Z")
        #expect(first != second)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out)) == ["2026-11-30T220000Z", "2026-11-30T220000Z-2"])
    }
}
