import FaultInjection
import Servers
import Synchronization
import Testing

/// A cluster that records what was done to which node, and can refuse one action.
final class RecordingCluster: ClusterNodeControl {
    let log = Mutex<[String]>([])
    let refuse: String?

    init(refusing refuse: String? = nil) {
        self.refuse = refuse
    }

    private func note(_ action: String, _ node: ClusterNodeName) throws {
        if action == refuse { throw FailedAction(action: action) }
        log.withLock { $0.append("\(action) \(node)") }
    }

    func kill(_ node: ClusterNodeName) async throws { try note("kill", node) }
    func pause(_ node: ClusterNodeName) async throws { try note("pause", node) }
    func resume(_ node: ClusterNodeName) async throws { try note("resume", node) }
    func restart(_ node: ClusterNodeName) async throws { try note("restart", node) }

    struct FailedAction: Error, CustomStringConvertible {
        var action: String
        var description: String { "\(action) refused" }
    }
}

@Suite("Node fault schedules")
struct NodeFaultSchedulePlaybackTests {
    @Test("each fault acts at its time and is undone after its duration: kill then restart, pause then resume, restart once")
    func playsAndUndoes() async {
        let cluster = RecordingCluster()
        let schedule = NodeFaultSchedule(faults: [
            NodeFault(rule: 0, kind: .kill, node: .volume(1), at: .milliseconds(20), duration: .milliseconds(80)),
            NodeFault(rule: 1, kind: .pause, node: .filer, at: .milliseconds(40), duration: .milliseconds(20)),
            NodeFault(rule: 2, kind: .restart, node: .s3, at: .milliseconds(10), duration: nil),
        ], control: cluster, retries: { 7 })
        let start = ContinuousClock.now
        await schedule.run(from: start)
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        let events = schedule.events
        // Per rule in order (across rules the order depends on the machine's load).
        #expect(events.filter { $0.rule == 0 }.map(\.action) == ["killed", "restarted"])
        #expect(events.filter { $0.rule == 1 }.map(\.action) == ["paused", "resumed"])
        #expect(events.filter { $0.rule == 2 }.map(\.action) == ["restarted"])
        #expect(cluster.log.withLock { $0 }.sorted() == ["kill volume:1", "pause filer", "restart s3", "restart volume:1", "resume filer"])
        let kill = events.filter { $0.rule == 0 }
        #expect(kill[0].atSeconds >= 0.02 && kill[1].atSeconds >= 0.1, "\(kill)")
        #expect(events.allSatisfy { $0.retriesSoFar == 7 })
    }

    @Test("cancelled, a fault in progress is undone at once and a fault not yet due never starts")
    func cancellationRestoresTheCluster() async throws {
        let cluster = RecordingCluster()
        let schedule = NodeFaultSchedule(faults: [
            NodeFault(rule: 0, kind: .kill, node: .volume(2), at: .zero, duration: .seconds(60)),
            NodeFault(rule: 1, kind: .pause, node: .master, at: .seconds(600), duration: .seconds(1)),
        ], control: cluster)
        let start = ContinuousClock.now
        let task = Task { await schedule.run(from: start) }
        // Cancel once the kill is done (bounded: a loaded machine may take a while to start it).
        for _ in 0..<200 where cluster.log.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - start < .seconds(60), "the kill's 60 s and the pause due at 600 s were cut short")
        #expect(cluster.log.withLock { $0 } == ["kill volume:2", "restart volume:2"])
        #expect(schedule.events.map(\.action) == ["killed", "restarted"])
    }

    @Test("an action that fails is recorded as failed with its error, and a fault whose first action failed is not undone")
    func failuresAreRecorded() async {
        let cluster = RecordingCluster(refusing: "kill")
        let schedule = NodeFaultSchedule(faults: [NodeFault(rule: 3, kind: .kill, node: .volume(1), at: .zero, duration: .milliseconds(10))],
                                         control: cluster)
        await schedule.run(from: .now)
        #expect(schedule.events.map(\.action) == ["failed"])
        #expect(schedule.events.first?.detail.contains("kill refused") == true)
        #expect(cluster.log.withLock { $0 }.isEmpty)
    }

    @Test("node names parse as the scenario writes them and print back the same", arguments: ["master", "filer", "s3", "volume:1", "volume:12"])
    func nodeNamesRoundTrip(text: String) {
        #expect(ClusterNodeName(text)?.description == text)
    }

    @Test("malformed node names do not parse", arguments: ["volume:", "volume:0", "volume:-1", "volume:01", "volume:1x", "Volume:1", "datanode"])
    func malformedNodeNames(text: String) {
        #expect(ClusterNodeName(text) == nil)
    }
}
