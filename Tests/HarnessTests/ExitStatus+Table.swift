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
