/// One node of a multi-node run, in its own result and in the merged document.
public struct NodeSection: Sendable, Codable {
    /// From 0.
    public var index: Int
    /// Nodes in the run.
    public var count: Int
    /// The node's run id and the prefix its objects are under (`.../node-<index>/RUN-ID/`).
    public var runId: String?
    public var remotePrefix: String?
    /// The node's own figures.
    public var passed: Bool
    public var durationSeconds: Double
    public var flushes: FlushCounts
    public var throughput: Throughput
    public var bytes: Bytes
    /// The node's own percentiles (without histograms; the merged `latency` has those).
    public var latency: [String: LatencySummary]
    /// The node's checks and expectations that failed (`name: detail`).
    public var failed: [String]
    /// Objects it acknowledged and known orphans it recorded.
    public var objects: Int
    public var knownOrphans: Int

    /// The section of `result`, the result of node `index` of `count`.
    public init(_ result: RunResult, index: Int, count: Int) {
        self.index = index
        self.count = count
        runId = result.runId
        remotePrefix = result.remotePrefix
        passed = result.passed
        durationSeconds = result.durationSeconds
        flushes = result.flushes
        throughput = result.throughput
        bytes = result.bytes
        latency = result.latency.mapValues { summary in
            var bare = summary
            bare.histogram = nil
            return bare
        }
        failed = result.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }
            + result.expectations.filter { !$0.passed }.map { "\($0.name): expected \($0.expected), got \($0.actual)" }
        objects = result.objects.count
        knownOrphans = result.knownOrphans.count
    }
}
