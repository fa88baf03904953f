import FaultInjection
import Foundation
import Harness
import Testing

@Suite("Scenario runs with local disk faults: the shipped local-disk-full scenario")
struct ScenarioRunnerLocalFaultTests {
    @Test("ENOSPC and EIO on the cache's disk fail flushes cleanly, traced as local; every check holds and reads are served")
    func localDiskFullHolds() async throws {
        let scenario = try ScenarioLoader.load(path: repositoryRoot + "/Scenarios/local-disk-full.json", validateFault: ScenarioFaults.validator)[0]
        let result = try await ScenarioRunner.run(scenario, options: RunOptions())
        #expect(result.passed, "\(result.checks.filter { !$0.passed }) \(result.expectations)")
        #expect(result.flushes.failed >= 2 && result.flushes.succeeded >= 4)
        #expect(result.failures.allSatisfy { $0.code == "io" }, "\(result.failures.map(\.code))")
        #expect(result.failures.contains { $0.message.contains("[no_space]") }, "a full disk is named")
        #expect(result.reads.failed == 0 && result.reads.succeeded == result.flushes.succeeded * 2)
        #expect(result.faults.trace.allSatisfy { $0.layer == .local })
        #expect(result.faults.trace.contains { $0.detail.hasPrefix("ENOSPC") } && result.faults.trace.contains { $0.detail.hasPrefix("EIO") })
    }
}
