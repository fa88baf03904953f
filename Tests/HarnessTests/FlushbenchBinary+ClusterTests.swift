import FaultInjection
import Foundation
import Harness
import ObjectStore
import Servers
import Testing

@Suite("The flushbench binary: a managed cluster, node faults, many datanodes and merge", .serialized)
struct FlushbenchBinaryClusterTests {
    /// The one result document (not a node's) below `directory`.
    func mergedResult(in directory: String, named name: String) throws -> RunResult {
        let path = try #require((FileManager.default.subpaths(atPath: directory) ?? []).first { $0.hasSuffix("/\(name).json") && !$0.contains("nodes/") })
        return try ResultWriter.read(directory + "/" + path)
    }

    /// Processes whose command line contains `text`.
    func processes(containing text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int32($0) != nil }.compactMap { pid -> String? in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains(text) ? "\(pid): \(line)" : nil
        }
    }

    @Test("two datanodes on a 3-volume-server cluster with volume:1 killed for 2 s: every check over the union holds, the kill is in the trace, nothing outlives the run")
    func twoDatanodesOnAClusterWithAKill() async throws {
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", "Scenarios/cluster/short-two-datanodes-kill.json", "--nodes", "2", "--out", out])
        #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors)")
        let result = try mergedResult(in: out, named: "cluster-short-two-datanodes-kill")
        #expect(result.passed)
        #expect(result.nodes?.map(\.index) == [0, 1])
        #expect(result.nodes?.allSatisfy { $0.flushes.succeeded == 24 } == true)
        #expect(result.flushes.succeeded == 48 && result.objects.count == 96)
        #expect(result.faults.nodeFaults?.map(\.action) == ["killed", "restarted"], "\(result.faults.nodeFaults ?? [])")
        #expect(result.faults.byKind["node-kill"] == 1)
        #expect(result.outages?.first?.node == "volume:1" && result.outages?.first?.backAtSeconds != nil)
        for name in ["union/acknowledged-objects-present", "union/no-unknown-orphans", "union/integrity", "node-faults-applied", "reads-survive-node-faults"] {
            #expect(result.checks.first { $0.name == name }?.passed == true, "\(name): \(result.checks.first { $0.name == name }?.detail ?? "missing")")
        }
        #expect(result.latency["flush"]?.histogram?.totalCount == 48)
        // The cluster's processes and directory are gone, and so are the nodes.
        let endpoint = result.store.split(separator: " ").last.map(String.init) ?? ""
        let port = endpoint.split(separator: ":").last.map(String.init) ?? "?"
        #expect(processes(containing: "-port=\(port) ").isEmpty, "\(processes(containing: "-port=\(port) "))")
        #expect(processes(containing: "--node-index").filter { $0.contains(out) }.isEmpty)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        #expect(!left.contains { $0.hasPrefix("flushbench-seaweedfs-cluster") && processes(containing: $0).isEmpty == false })
    }

    @Test("across machines: each node runs with --nodes 2 --node-index I against one endpoint and keeps its objects; merge --check-remote checks the union and removes them")
    func nodesOnSeveralMachinesThenMerge() async throws {
        let server = try await SeaweedFS.start(bucket: "flushbench-nodes")
        defer { Task { await server.stop() } }
        let environment = ["AWS_ENDPOINT_URL": server.configuration.endpoint,
                           "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
                           "AWS_SECRET_ACCESS_KEY": server.configuration.credentials.secretAccessKey]
        let file = try LocalTemporary.directory() + "/nodes.json"
        try smallScenario(name: "across", store: "s3").replacingOccurrences(of: "\"kind\": \"s3\"", with: "\"kind\": \"s3\", \"bucket\": \"flushbench-nodes\"")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let results = try LocalTemporary.directory()
        for index in 0..<2 {
            let outcome = try await Binary.run(["run", file, "--nodes", "2", "--node-index", String(index), "--out", results + "/machine-\(index)"],
                                         environment: environment)
            #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors)")
        }
        let store = S3Store(configuration: server.configuration)
        let kept = try await store.list(prefix: "flushbench/across/").map(\.key).sorted()
        #expect(kept.count == 16, "each node keeps its 8 objects for the merge")
        let out = try LocalTemporary.directory()
        let merged = try await Binary.run(["merge", results, "--check-remote", "--keep-remote", "--bucket", "flushbench-nodes", "--out", out], environment: environment)
        #expect(merged.status == 0, "\(merged.output) \(merged.errors)")
        let result = try mergedResult(in: out, named: "across")
        #expect(result.nodes?.count == 2 && result.objects.count == 16)
        #expect(result.checks.filter { $0.name.hasPrefix("union/") }.map(\.passed) == [true, true, true])

        // One acknowledged object lost and one stray object beside them: the union checks name both.
        let lost = try #require(kept.first { $0.contains("/node-1/") })
        try await store.delete(key: lost)
        let stray = (lost.split(separator: "/").dropLast().joined(separator: "/")) + "/stray.parquet"
        try await store.put(key: stray, bytes: [1, 2, 3])
        let failingOut = try LocalTemporary.directory()
        let failing = try await Binary.run(["merge", results, "--check-remote", "--bucket", "flushbench-nodes", "--out", failingOut], environment: environment)
        #expect(failing.status == 1, "\(failing.output) \(failing.errors)")
        let failed = try mergedResult(in: failingOut, named: "across")
        #expect(failed.checks.first { $0.name == "union/acknowledged-objects-present" }?.detail.contains(lost) == true)
        #expect(failed.checks.first { $0.name == "union/no-unknown-orphans" }?.detail.contains(stray) == true)
        #expect(!merged.output.contains(server.configuration.credentials.secretAccessKey))
        #expect(try await store.list(prefix: "flushbench/across/").isEmpty, "the merge removes what the nodes kept")
        await server.stop()
    }

    @Test("cluster faults that could never take effect exit 2 naming the rule", arguments: [
        (["--nodes", "2", "--node-index", "1"], "Scenarios/cluster/short-two-datanodes-kill.json", "faults[0].layer"),
        ([], "memory", "faults[0].layer"),
    ])
    func clusterFaultsThatCannotTakeEffect(extra: [String], scenario: String, path: String) async throws {
        var file = scenario
        if scenario == "memory" {
            file = try LocalTemporary.directory() + "/memory.json"
            try smallScenario(name: "no-cluster", extra: #""faults": [{ "layer": "cluster", "kind": "kill", "node": "volume:1", "at": "1s", "for": "1s" }]"#)
                .write(toFile: file, atomically: true, encoding: .utf8)
        }
        let outcome = try await Binary.run(["run", file, "--out", try LocalTemporary.directory()] + extra, environment: ["AWS_ENDPOINT_URL": ""])
        #expect(outcome.status == 2, "\(outcome.output) \(outcome.errors)")
        #expect(outcome.errors.contains(path) && outcome.errors.contains("never take effect"), "\(outcome.errors)")
    }
}
