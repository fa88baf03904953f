import FaultInjection
import Foundation
import Harness
import Testing

@Suite("Exit statuses: one table in code and in the README")
struct ExitStatusTableTests {
    @Test("the gate's verdicts, the crash trials' status and the signals are statuses of the one table")
    func everyStatusIsInTheEnum() {
        #expect(ExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 86, 130, 143])
        for verdict in [GateVerdict.pass, .regression, .invalidInput, .invariantViolated, .improvement] {
            #expect(verdict.exitStatus.rawValue == verdict.rawValue, "\(verdict)")
        }
        #expect(ExitStatus.injectedCrash.rawValue == FaultyStore.crashExitStatus)
    }

    @Test("the README's table lists every status")
    func readmeListsEveryStatus() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit statuses").dropFirst().first)
        let rows = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }.filter { $0.hasPrefix("| ") }
        let listed = Set(rows.flatMap { row in
            (row.split(separator: "|").first ?? "").split(separator: "/").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        })
        #expect(listed == Set(ExitStatus.allCases.map(\.rawValue)))
    }
}

@Suite("Usage errors are invalid input", .serialized)
struct ExitStatusUsageTests {
    @Test("an option out of range or unknown exits 2 with the reason, not ArgumentParser's 64")
    func usageErrorsExitTwo() async throws {
        let file = try LocalTemporary.directory() + "/scenario.json"
        try smallScenario(name: "usage").write(toFile: file, atomically: true, encoding: .utf8)
        let outOfRange = try await Binary.run(["run", file, "--repeat", "0"])
        #expect(outOfRange.status == 2, "\(outOfRange.errors)")
        #expect(outOfRange.errors.contains("--repeat must be between 1 and 100"))
        let unknown = try await Binary.run(["validate", file, "--no-such-option"])
        #expect(unknown.status == 2, "\(unknown.errors)")
        let help = try await Binary.run(["run", "--help"])
        #expect(help.status == 0)
    }
}
