public import Servers

/// One `"layer": "cluster"` rule of a scenario: at `at` into the run, do `kind` to `node`, and
/// undo it after `duration`.
///
/// Node faults act on real processes at wall-clock times, so which store operations they hit
/// depends on timing: they are recorded in the run's results with their times, but a scenario
/// with them cannot be a seeded-counter scenario of the gate.
public struct NodeFault: Sendable, Hashable {
    /// What happens to the node.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// SIGKILL, then started again after `for`.
        case kill
        /// SIGSTOP, then SIGCONT after `for`.
        case pause
        /// Stopped (SIGTERM, then SIGKILL) and started again at once.
        case restart
    }

    /// The rule's position in the scenario's `faults` array.
    public var rule: Int
    public var kind: Kind
    public var node: ClusterNodeName
    /// When it starts, from the start of the workload.
    public var at: Duration
    /// How long the node stays down or paused (`nil` for `restart`).
    public var duration: Duration?

    public init(rule: Int, kind: Kind, node: ClusterNodeName, at: Duration, duration: Duration?) {
        self.rule = rule
        self.kind = kind
        self.node = node
        self.at = at
        self.duration = duration
    }

    /// When the node is back: `at + for` (`at` for a restart).
    public var end: Duration { at + (duration ?? .zero) }
}

/// What one node fault did, and when (seconds from the start of the workload).
public struct NodeFaultEvent: Sendable, Hashable, Codable {
    /// The rule's position in the scenario's `faults` array.
    public var rule: Int
    /// `kill`, `pause` or `restart`.
    public var kind: String
    /// `volume:1`, `filer`, ...
    public var node: String
    /// `killed`, `restarted`, `paused`, `resumed`, or `failed`.
    public var action: String
    /// Seconds from the start of the workload.
    public var atSeconds: Double
    /// What happened, in words (an error when the action failed).
    public var detail: String
    /// The client's retries counted so far in the run, when the schedule was told how to count
    /// them: the difference between a fault's two events is the retries during the outage.
    public var retriesSoFar: Int?

    public init(rule: Int, kind: String, node: String, action: String, atSeconds: Double, detail: String, retriesSoFar: Int? = nil) {
        self.rule = rule
        self.kind = kind
        self.node = node
        self.action = action
        self.atSeconds = atSeconds
        self.detail = detail
        self.retriesSoFar = retriesSoFar
    }
}

/// The processes of a cluster that node faults act on.
public protocol ClusterNodeControl: Sendable {
    /// SIGKILL.
    func kill(_ node: ClusterNodeName) async throws
    /// SIGSTOP.
    func pause(_ node: ClusterNodeName) async throws
    /// SIGCONT.
    func resume(_ node: ClusterNodeName) async throws
    /// Stops the node if it runs and starts it again on its ports and data.
    func restart(_ node: ClusterNodeName) async throws
}
