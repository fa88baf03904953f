public import FaultInjection

/// One node fault's outage, from the run's node fault events and throughput segments.
public struct NodeOutage: Sendable, Codable, Equatable {
    /// The rule's position in the scenario's `faults` array.
    public var rule: Int
    public var node: String
    /// `kill`, `pause` or `restart`.
    public var kind: String
    /// Seconds from the start of the workload when the node went down (or was paused).
    public var downAtSeconds: Double
    /// When it was back (restarted and accepting connections, or resumed).
    public var backAtSeconds: Double?
    /// The client's retries between the two.
    public var retriesDuringOutage: Int?
    /// Mean acknowledged MiB/s of the segments that ended before the outage.
    public var baselineMiBps: Double?
    /// The start of the first segment from the node's return on that reached 80 % of the
    /// baseline; `nil` when none did (or there was no baseline, or it was zero).
    public var recoveredAtSeconds: Double?
    /// `recoveredAtSeconds - backAtSeconds`, at least 0: how long throughput took to recover,
    /// to the resolution of the segments.
    public var timeToRecoverSeconds: Double?

    /// The outages of `events` (each rule's first and last event), measured against `segments`.
    public static func from(_ events: [NodeFaultEvent], segments: [Segment]) -> [NodeOutage] {
        let byRule = Dictionary(grouping: events, by: \.rule)
        return byRule.keys.sorted().compactMap { rule -> NodeOutage? in
            guard let ruleEvents = byRule[rule]?.sorted(by: { $0.atSeconds < $1.atSeconds }), let first = ruleEvents.first else { return nil }
            let last = ruleEvents.count > 1 ? ruleEvents.last : (first.kind == "restart" ? first : nil)
            var outage = NodeOutage(rule: rule, node: first.node, kind: first.kind, downAtSeconds: first.atSeconds,
                                    backAtSeconds: last.map(\.atSeconds))
            if let before = first.retriesSoFar, let after = last?.retriesSoFar { outage.retriesDuringOutage = after - before }
            let earlier = segments.filter { $0.endSeconds <= first.atSeconds }
            guard !earlier.isEmpty, let back = outage.backAtSeconds else { return outage }
            let baseline = earlier.reduce(0) { $0 + $1.MiBps } / Double(earlier.count)
            outage.baselineMiBps = (baseline * 1000).rounded() / 1000
            // Nothing completed before the fault (a slow start): no rate to recover to.
            guard baseline > 0 else { return outage }
            if let recovered = segments.first(where: { $0.endSeconds > back && $0.MiBps >= 0.8 * baseline }) {
                outage.recoveredAtSeconds = recovered.startSeconds
                outage.timeToRecoverSeconds = ((max(0, recovered.startSeconds - back)) * 1000).rounded() / 1000
            }
            return outage
        }
    }
}
