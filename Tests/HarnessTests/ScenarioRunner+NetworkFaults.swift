import FaultInjection
import Foundation
import Harness
import Testing

/// The network fault layer in a run: the shipped scenario mixing network and store faults on s3
/// passes every check, its trace shows both layers, and the same seed gives the same trace.
@Suite("Scenario runs: the network fault layer", .serialized)
struct ScenarioRunnerNetworkFaultTests {
    @Test func aScenarioMixingNetworkAndStoreFaultsPassesWithTheSameTraceTwice() async throws {
        let path = repositoryRoot + "/Scenarios/network-and-store-faults-s3.json"
        let scenario = try ScenarioLoader.load(path: path, validateFault: ScenarioFaults.validator)[0]
        let first = try await ScenarioRunner.run(scenario)
        #expect(first.passed, "\(first.checks.filter { !$0.passed }) \(first.expectations.filter { !$0.passed })")
        let trace = first.faults.trace
        let network = trace.filter { $0.layer == .network }
        #expect(Set(network.map(\.kind)).isSuperset(of: [.partial, .ackLost, .error200, .truncate, .latency]), "\(network.map(\.kind))")
        #expect(trace.contains { $0.layer == nil && $0.kind == .torn })
        #expect(network.allSatisfy { $0.s3Operation != nil && $0.key.hasPrefix("flushbench/network-and-store-faults-s3/") })
        let second = try await ScenarioRunner.run(scenario)
        #expect(second.passed)
        #expect(second.faults.trace == trace)
    }

    @Test func networkRulesAgainstAnHTTPSEndpointAreRejectedBeforeAnythingStarts() async throws {
        let scenario = try scenarios(smallScenario(store: "s3", extra: #""faults": [ { "layer": "network", "op": "write", "kind": "error", "error": "SlowDown" } ]"#))[0]
        var options = RunOptions()
        options.environment = ["AWS_ENDPOINT_URL": "https://s3.example.test", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"]
        let error = await #expect(throws: ScenarioError.self) {
            _ = try await ScenarioRunner.run(scenario, options: options)
        }
        #expect(error?.issues.first?.path == "faults[0].layer")
        #expect(error?.issues.first?.message.contains("AWS_ENDPOINT_URL is HTTPS") == true, "\(String(describing: error))")
    }
}
