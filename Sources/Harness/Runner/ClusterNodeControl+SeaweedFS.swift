import FaultInjection
import Servers

/// Node faults acting on a managed ``SeaweedFSCluster``.
struct SeaweedFSClusterControl: ClusterNodeControl {
    let cluster: SeaweedFSCluster

    func kill(_ node: ClusterNodeName) async throws { try cluster.kill(node) }
    func pause(_ node: ClusterNodeName) async throws { try cluster.pause(node) }
    func resume(_ node: ClusterNodeName) async throws { try cluster.resume(node) }
    func restart(_ node: ClusterNodeName) async throws { try await cluster.restart(node) }
}
