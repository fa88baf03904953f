import Foundation
import Harness
import Testing

/// Runs the built `flushbench` executable, as a user or CI does (through ``ChildProcess``, which
/// drains standard output and standard error together, so a child that fills either never stalls).
struct Binary {
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The executable next to the test bundle (`swift build --build-tests` builds both).
    static let path: String = {
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        return url.appendingPathComponent("flushbench").path
    }()

    /// The command for `arguments`, run from the repository root with `environment` added.
    static func command(_ arguments: [String], environment: [String: String] = [:]) -> ChildProcess {
        ChildProcess(path, arguments, environment: environment, workingDirectory: repositoryRoot, measuresPeakMemory: false)
    }

    /// Runs the binary on the blocking-I/O pool: a test waiting in `wait4` on one of Swift's two
    /// cooperative threads stalls every other test of the process.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        let outcome = try await command(arguments, environment: environment).run()
        return Outcome(status: outcome.status, output: outcome.standardOutput, errors: outcome.standardError)
    }
}

@Suite("The flushbench binary: exit codes and output", .serialized)
struct FlushbenchBinaryExitCodeTests {
    func write(_ text: String) throws -> String {
        let path = try LocalTemporary.directory() + "/scenario.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a passing run exits 0 and writes its JSON and summary")
    func passingRunExitsZero() async throws {
        let file = try write(smallScenario(name: "e2e-pass"))
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", file, "--out", out])
        #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.output.contains("| e2e-pass |"))
        #expect(outcome.output.contains("PASS"))
        let runs = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(runs.count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/" + runs[0])
        #expect(Set(files) == Set(["e2e-pass.json", "summary.md", "report.html"] + RunCharts.kinds.map { "e2e-pass-\($0).svg" }))
        let report = try await Binary.run(["report", out + "/" + runs[0] + "/e2e-pass.json"])
        #expect(report.status == 0)
        #expect(report.output.contains("## e2e-pass — PASS"))
    }

    @Test("a run whose expectation fails exits 1 and names it")
    func failingExpectationExitsOne() async throws {
        let file = try write(smallScenario(name: "e2e-fail", extra: "\"expect\": { \"minFaultsInjected\": 5 }"))
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory()])
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("minFaultsInjected: expected >= 5, got 0"))
    }

    @Test("an invalid scenario exits 2 with the file, the path and what was expected")
    func invalidScenarioExitsTwo() async throws {
        let file = try write(smallScenario().replacingOccurrences(of: "\"regions\": 2", with: "\"regions\": 0"))
        for command in ["run", "validate"] {
            let outcome = try await Binary.run([command, file])
            #expect(outcome.status == 2)
            #expect(outcome.errors.contains("\(file):9:28: workload.regions: expected an integer between 1 and 10000, found 0"))
            #expect(!outcome.errors.contains("Fatal error"))
        }
    }

    @Test("a result file that is not a result exits 2")
    func badResultFileExitsTwo() async throws {
        let file = try write("{ \"scenario\": 1 }")
        let outcome = try await Binary.run(["report", file])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains(file))
    }

    @Test("--work-dir keeps the cache and the fs store's root for inspection")
    func workDirKeepsFiles() async throws {
        let file = try write(smallScenario(name: "e2e-keep", store: "fs"))
        let work = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory(), "--work-dir", work])
        #expect(outcome.status == 0, "\(outcome.errors)")
        let remote = try FileManager.default.subpathsOfDirectory(atPath: work + "/remote/objects").filter { $0.hasSuffix(".parquet") }
        #expect(remote.count == 4)
        #expect(FileManager.default.fileExists(atPath: work + "/cache/LOCK"))
    }

    @Test("the binary helper drains standard error while the child runs: 64 KiB and more of errors do not stall it",
          .timeLimit(.minutes(1)))
    func helperDrainsLargeStandardError() async throws {
        let directory = try LocalTemporary.directory()
        let files = (0..<600).map { "\(directory)/\(String(repeating: "x", count: 200))-\($0).json" }
        let outcome = try await Binary.run(["validate"] + files)
        #expect(outcome.status == 2)
        #expect(outcome.errors.utf8.count > 65_536)
        #expect(outcome.errors.contains(files[599]))
    }

    @Test("list shows the shipped scenarios with their descriptions; --help works everywhere")
    func listAndHelp() async throws {
        let list = try await Binary.run(["list"])
        #expect(list.status == 0)
        #expect(list.output.contains("baseline-memory"))
        #expect(list.output.contains("[s3]"))
        for command in [[], ["run"], ["validate"], ["list"], ["report"], ["bench"], ["bench", "cache"]] {
            let help = try await Binary.run(command + ["--help"])
            #expect(help.status == 0, "\(command) --help")
            #expect(help.output.contains("USAGE"))
        }
    }
}
