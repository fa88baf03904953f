import FaultInjection
import Servers

extension ScenarioLoader {
    /// Decodes `store.cluster`: `{ "volumeServers": 3, "replication": "001" }` (both optional).
    static func decodeCluster(_ value: JSONValue, path: String, kind: StoreSpec.Kind, reader: inout ScenarioReader) -> SeaweedFSClusterLayout? {
        guard var fields = reader.object(value, path) else { return nil }
        var layout = SeaweedFSClusterLayout()
        let before = reader.issues.count
        if let raw = fields.take("volumeServers"),
           let count = reader.integer(raw, fields.child("volumeServers"), in: 1...SeaweedFSClusterLayout.maxVolumeServers) {
            layout.volumeServers = count
        }
        if let raw = fields.take("replication"), let text = reader.string(raw, fields.child("replication")) {
            layout.replication = text
        }
        reader.finish(fields)
        if kind != .s3 {
            reader.report(path, "only an s3 store can be a managed SeaweedFS cluster; this store is \(kind.rawValue)")
        }
        guard reader.issues.count == before else { return nil }
        if let problem = layout.problem {
            reader.report(fields.child(problem.field), problem.message)
            return nil
        }
        return layout
    }

    /// Decodes one `"layer": "cluster"` rule: `kind` (kill, pause, restart), `node` (`volume:N`,
    /// `filer`, `s3`, `master`), `at` and, for kill and pause, `for`.
    static func decodeNodeFault(_ value: JSONValue, path: String, index: Int, store: StoreSpec, timeLimit: Duration,
                                reader: inout ScenarioReader) -> NodeFault? {
        guard var fields = reader.object(value, path) else { return nil }
        let before = reader.issues.count
        _ = fields.take("layer")
        guard let layout = store.cluster else {
            reader.report(fields.child("layer"), "cluster faults are not available on this store (\(store.kind.rawValue), not a managed "
                + "SeaweedFS cluster): they kill or pause a node of one, so the rule could never take effect; "
                + "use \"store\": { \"kind\": \"s3\", \"cluster\": { \"volumeServers\": 3, \"replication\": \"001\" } } or remove the rule")
            return nil
        }
        let kinds = NodeFault.Kind.allCases.map(\.rawValue)
        var kind: NodeFault.Kind?
        if let raw = fields.take("kind") {
            kind = reader.string(raw, fields.child("kind"), allowed: kinds).flatMap(NodeFault.Kind.init(rawValue:))
        } else {
            reader.report(fields.child("kind"), "required: one of \(kinds.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        var node: ClusterNodeName?
        let nodeHelp = "\"volume:N\" (N from 1 to \(layout.volumeServers)), \"filer\", \"s3\" or \"master\""
        if let raw = fields.take("node") {
            if let text = reader.string(raw, fields.child("node")) {
                node = ClusterNodeName(text)
                if case .volume(let number)? = node, number > layout.volumeServers {
                    reader.report(fields.child("node"), "the cluster has \(layout.volumeServers) volume server(s); expected \(nodeHelp), found \"\(text)\"")
                } else if node == nil {
                    reader.report(fields.child("node"), "expected \(nodeHelp), found \"\(text)\"")
                }
            }
        } else {
            reader.report(fields.child("node"), "required: \(nodeHelp)")
        }
        var at: Duration?
        if let raw = fields.take("at") {
            at = reader.duration(raw, fields.child("at"))
            if let value = at, value >= timeLimit {
                reader.report(fields.child("at"), "expected a time before the scenario's timeLimit (\(timeLimit)), found \(value): the rule could never fire")
            }
        } else {
            reader.report(fields.child("at"), "required: when the fault starts, from the start of the workload, e.g. \"3s\"")
        }
        var duration: Duration?
        if let raw = fields.take("for") {
            duration = reader.duration(raw, fields.child("for"), atLeast: .milliseconds(1))
            if kind == .restart {
                reader.report(fields.child("for"), "a restart stops the node and starts it again at once, so it takes no \"for\"; use \"kill\" to keep it down")
            }
        } else if let kind, kind != .restart {
            reader.report(fields.child("for"), "required for \(kind.rawValue): how long the node stays \(kind == .kill ? "down" : "paused"), e.g. \"5s\"")
        }
        reader.finish(fields)
        guard reader.issues.count == before, let kind, let node, let at else { return nil }
        return NodeFault(rule: index, kind: kind, node: node, at: at, duration: kind == .restart ? nil : duration)
    }

    /// Reports node faults that act on one node at overlapping times (the second would find the
    /// node already down or paused, so it could not take effect as written).
    static func checkOverlaps(_ faults: [NodeFault], faultsPath: String, reader: inout ScenarioReader) {
        for (position, fault) in faults.enumerated() {
            for earlier in faults[..<position] where earlier.node == fault.node && fault.at <= earlier.end && earlier.at <= fault.end {
                reader.report(JSONPath.child(JSONPath.element(faultsPath, fault.rule), "at"),
                              "overlaps faults[\(earlier.rule)] on \(fault.node) (\(earlier.at) to \(earlier.end)): "
                              + "one fault at a time per node; start this one after the other ends")
            }
        }
    }
}

extension StoreSpec {
    /// `a cluster of N volume servers (replication xyz)` for a managed cluster, else `nil`.
    public var clusterSummary: String? {
        cluster.map { "a cluster of \($0.volumeServers) volume servers (replication \($0.replication))" }
    }
}
