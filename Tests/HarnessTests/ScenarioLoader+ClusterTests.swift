import FaultInjection
import Foundation
import Harness
import Servers
import Testing

@Suite("Scenario decoding: managed clusters and their node faults")
struct ScenarioLoaderClusterTests {
    /// A scenario on a 3-volume-server cluster (replication 001) with `faults` and `store` extras.
    func cluster(faults: String = "", store: String = "\"cluster\": { \"volumeServers\": 3, \"replication\": \"001\" }") -> String {
        """
        { "name": "c", "timeLimit": "1m", "store": { "kind": "s3"\(store.isEmpty ? "" : ", " + store) },
          "workload": { "regions": 1, "flushesPerRegion": 2, "concurrency": 1 }\(faults.isEmpty ? "" : ", \"faults\": [\(faults)]") }
        """
    }

    @Test("a cluster store and its node faults decode into the layout and the rules, apart from the store-layer faults")
    func decodesLayoutAndNodeFaults() throws {
        let loaded = try scenarios(cluster(faults: """
            { "op": "write", "kind": "error", "error": "SlowDown", "nth": [1] },
            { "layer": "cluster", "kind": "kill", "node": "volume:2", "at": "3s", "for": "5s" },
            { "layer": "cluster", "kind": "restart", "node": "filer", "at": "10s" }
            """))[0]
        #expect(loaded.store.cluster == SeaweedFSClusterLayout(volumeServers: 3, replication: "001"))
        #expect(loaded.faults.count == 1)
        #expect(loaded.clusterFaults == [
            NodeFault(rule: 1, kind: .kill, node: .volume(2), at: .seconds(3), duration: .seconds(5)),
            NodeFault(rule: 2, kind: .restart, node: .filer, at: .seconds(10), duration: nil),
        ])
    }

    @Test("every bad cluster value is named by its JSON path with what was expected", arguments: [
        (#""cluster": { "replication": "01" }"#, "store.cluster.replication", "three-digit"),
        (#""cluster": { "replication": "010" }"#, "store.cluster.replication", "one data centre and rack"),
        (#""cluster": { "volumeServers": 1, "replication": "001" }"#, "store.cluster.volumeServers", "at least 2 volume servers"),
        (#""cluster": { "volumeServers": 17 }"#, "store.cluster.volumeServers", "between 1 and 16"),
        (#""cluster": { "volumeServer": 3 }"#, "store.cluster.volumeServer", "unknown key"),
        (#""endpoint": "http://127.0.0.1:9", "cluster": {}"#, "store.endpoint", "remove endpoint"),
    ])
    func badClusterValues(store: String, path: String, message: String) {
        let found = issues(cluster(store: store))
        #expect(found.contains { $0.path == path && $0.message.contains(message) }, "issues: \(found)")
    }

    @Test("a cluster on a store that is not s3 is rejected")
    func clusterNeedsS3() {
        let found = issues(#"{ "name": "c", "store": { "kind": "fs", "cluster": {} }, "workload": { "regions": 1, "flushesPerRegion": 1 } }"#)
        #expect(found.contains { $0.path == "store.cluster" && $0.message.contains("only an s3 store") }, "issues: \(found)")
    }

    @Test("a node fault on a store that is not a managed cluster is rejected: it could never take effect", arguments: ["memory", "s3"])
    func nodeFaultNeedsCluster(kind: String) {
        let found = issues(smallScenario(store: kind, extra: #""faults": [{ "layer": "cluster", "kind": "kill", "node": "volume:1", "at": "1s", "for": "1s" }]"#))
        #expect(found.contains { $0.path == "faults[0].layer" && $0.message.contains("never take effect") }, "issues: \(found)")
    }

    @Test("every bad node fault is named by its JSON path with what was expected", arguments: [
        (#"{ "layer": "cluster", "kind": "kill", "node": "volume:4", "at": "1s", "for": "1s" }"#, "faults[0].node", "3 volume server(s)"),
        (#"{ "layer": "cluster", "kind": "kill", "node": "volume:0", "at": "1s", "for": "1s" }"#, "faults[0].node", "volume:N"),
        (#"{ "layer": "cluster", "kind": "kill", "node": "datanode", "at": "1s", "for": "1s" }"#, "faults[0].node", "\"filer\""),
        (#"{ "layer": "cluster", "kind": "kill", "node": "filer", "at": "1s" }"#, "faults[0].for", "required for kill"),
        (#"{ "layer": "cluster", "kind": "pause", "node": "filer", "at": "1s" }"#, "faults[0].for", "required for pause"),
        (#"{ "layer": "cluster", "kind": "restart", "node": "s3", "at": "1s", "for": "2s" }"#, "faults[0].for", "takes no \"for\""),
        (#"{ "layer": "cluster", "kind": "kill", "node": "s3", "for": "2s" }"#, "faults[0].at", "required"),
        (#"{ "layer": "cluster", "kind": "kill", "node": "s3", "at": "2m", "for": "2s" }"#, "faults[0].at", "before the scenario's timeLimit"),
        (#"{ "layer": "cluster", "kind": "crash", "node": "s3", "at": "1s" }"#, "faults[0].kind", "kill"),
        (#"{ "layer": "cluster", "kind": "kill", "node": "s3", "at": "1s", "for": "1s", "op": "write" }"#, "faults[0].op", "unknown key"),
        (#"{ "layer": "cluster", "kind": "kill", "node": "s3", "at": "1s", "for": "5s" }, { "layer": "cluster", "kind": "pause", "node": "s3", "at": "3s", "for": "1s" }"#,
         "faults[1].at", "overlaps faults[0] on s3"),
    ])
    func badNodeFaults(faults: String, path: String, message: String) {
        let found = issues(cluster(faults: faults))
        #expect(found.contains { $0.path == path && $0.message.contains(message) }, "issues: \(found)")
    }

    @Test("node faults on different nodes, or one after another on the same node, are accepted")
    func sequentialFaultsAccepted() {
        #expect(issues(cluster(faults: """
            { "layer": "cluster", "kind": "kill", "node": "volume:1", "at": "1s", "for": "2s" },
            { "layer": "cluster", "kind": "pause", "node": "volume:2", "at": "1s", "for": "2s" },
            { "layer": "cluster", "kind": "kill", "node": "volume:1", "at": "4s", "for": "2s" }
            """)).isEmpty)
    }

    @Test("a node of a multi-node run without the parent that plays them refuses cluster faults before starting anything")
    func nodeWithoutParentRefusesClusterFaults() async throws {
        let scenario = try scenarios(cluster(faults: #"{ "layer": "cluster", "kind": "kill", "node": "volume:1", "at": "1s", "for": "1s" }"#))[0]
        var options = RunOptions()
        options.node = NodeAssignment(index: 1, count: 2)
        options.environment = [:]
        await #expect(throws: ScenarioError.self) { _ = try await ScenarioRunner.run(scenario, options: options) }
    }
}
