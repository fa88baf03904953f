import FaultInjection
import Foundation
import WriteCache

/// The node faults of one run, played against the managed cluster while the workload runs.
final class ClusterFaultRun: Sendable {
    let schedule: NodeFaultSchedule
    private let task: Task<Void, Never>

    private init(schedule: NodeFaultSchedule, from start: ContinuousClock.Instant) {
        self.schedule = schedule
        task = Task { await schedule.run(from: start) }
    }

    /// Throws when `scenario` has node faults that this run cannot play: its store will not be a
    /// managed cluster this run starts (a node of a multi-node run only sees the shared endpoint,
    /// and plays no faults unless its parent does), so the rules could never take effect.
    /// Checked before anything is started.
    static func checkTakesEffect(_ scenario: Scenario, options: RunOptions) throws(ScenarioError) {
        guard let first = scenario.clusterFaults.first, scenario.store.cluster == nil || options.node != nil,
              options.node?.clusterFaultsByParent != true else { return }
        throw ScenarioError(code: "invalid", file: scenario.file, issues: [ScenarioIssue(
            path: "faults[\(first.rule)].layer",
            message: "cluster faults act on the managed SeaweedFS cluster a run starts, but node \(options.node?.index ?? 0) of a multi-node run "
                + "only sees the shared endpoint, so the rule could never take effect here; run the scenario with --nodes N and without "
                + "--node-index (the parent starts the cluster and plays the faults), or remove the rule")])
    }

    /// Starts playing the node faults from `start`, unless there are none or the parent plays them.
    static func start(_ scenario: Scenario, remote: RemoteStore, options: RunOptions, cache: WriteCache,
                      from start: ContinuousClock.Instant) -> ClusterFaultRun? {
        guard !scenario.clusterFaults.isEmpty, let cluster = remote.cluster, options.node?.clusterFaultsByParent != true else { return nil }
        let metrics = cache.metrics
        let schedule = NodeFaultSchedule(faults: scenario.clusterFaults, control: SeaweedFSClusterControl(cluster: cluster),
                                         retries: { metrics.retries.count })
        return ClusterFaultRun(schedule: schedule, from: start)
    }

    /// Stops faults that have not started, undoes those in progress, and returns what happened.
    func finish() async -> [NodeFaultEvent] {
        task.cancel()
        await task.value
        return schedule.events
    }
}

extension RunResult {
    /// The result with the node fault events in its fault report (counted per kind) and the
    /// outages they caused.
    ///
    /// - Parameter replicated: the cluster keeps a second copy of every volume; then every read
    ///   back must succeed, node faults or not (`reads-survive-node-faults`).
    func withNodeFaults(_ events: [NodeFaultEvent], replicated: Bool = false) -> RunResult {
        guard !events.isEmpty else { return self }
        var result = self
        if replicated, reads.attempted > 0 {
            result.checks.append(CheckResult(
                name: "reads-survive-node-faults", passed: reads.failed == 0,
                detail: "\(reads.succeeded) of \(reads.attempted) acknowledged file(s) read back from the replicated cluster with node faults in play"
                    + (reads.failed == 0 ? "" : "; \(reads.failed) failed")))
        }
        result.faults.nodeFaults = events
        let started = Dictionary(grouping: events, by: \.rule).values.compactMap { $0.min { $0.atSeconds < $1.atSeconds } }
        for event in started where event.action != "failed" {
            result.faults.injected += 1
            result.faults.byKind["node-" + event.kind, default: 0] += 1
        }
        // The expectation on injected faults was evaluated before the node faults were counted.
        result.expectations = expectations.map { expectation in
            guard expectation.name == "minFaultsInjected", let minimum = Int(expectation.expected.dropFirst(3)) else { return expectation }
            var updated = expectation
            updated.actual = "\(result.faults.injected)"
            updated.passed = result.faults.injected >= minimum
            return updated
        }
        result.outages = NodeOutage.from(events, segments: segments)
        let failed = events.filter { $0.action == "failed" }
        result.checks.append(CheckResult(
            name: "node-faults-applied", passed: failed.isEmpty,
            detail: failed.isEmpty ? "\(events.count) node fault event(s), every node back before the checks"
                : failed.map { "faults[\($0.rule)] \($0.node): \($0.detail)" }.joined(separator: "; ")))
        result.passed = result.checks.allSatisfy(\.passed) && result.expectations.allSatisfy(\.passed)
        return result
    }
}
