/// Which node of a multi-node run (`flushbench run --nodes N`) this runner is: node `index` of
/// `count` writes its own regions under `PREFIX/flushbench/SCENARIO/node-<index>/RUN-ID/` on
/// the endpoint the nodes share, and keeps its objects for the merge's checks.
public struct NodeAssignment: Sendable, Equatable {
    /// From 0.
    public var index: Int
    /// Nodes in the run.
    public var count: Int
    /// The run id all nodes share (so the merge finds every node's objects); a new one when `nil`.
    public var runID: RunID?
    /// The parent process plays the scenario's node faults on the cluster it started; the node
    /// does not (it only sees the endpoint).
    public var clusterFaultsByParent: Bool

    public init(index: Int, count: Int, runID: RunID? = nil, clusterFaultsByParent: Bool = false) {
        self.index = index
        self.count = count
        self.runID = runID
        self.clusterFaultsByParent = clusterFaultsByParent
    }

    /// The segment below the scenario's base prefix: `node-<index>/`.
    public var prefixSegment: String { "node-\(index)/" }
}
