import FaultInjection
import Servers

/// Node faults acting on a managed ``SeaweedFSCluster``.
struct SeaweedFSClusterControl: ClusterNodeControl {
    let cluster: SeaweedFSCluster

    func kill(_ node: ClusterNodeName) async throws { try cluster.kill(Self.node(node)) }
    func pause(_ node: ClusterNodeName) async throws { try cluster.pause(Self.node(node)) }
    func resume(_ node: ClusterNodeName) async throws { try cluster.resume(Self.node(node)) }
    func restart(_ node: ClusterNodeName) async throws { try await cluster.restart(Self.node(node)) }

    static func node(_ name: ClusterNodeName) -> SeaweedFSCluster.Node {
        switch name {
        case .master: .master
        case .volume(let index): .volume(index)
        case .filer: .filer
        case .s3: .s3
        }
    }
}
