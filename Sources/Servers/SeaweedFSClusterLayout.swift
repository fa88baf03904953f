/// The shape of a managed ``SeaweedFSCluster``: how many volume servers and how SeaweedFS
/// replicates each volume across them.
public struct SeaweedFSClusterLayout: Sendable, Equatable {
    /// The most volume servers a managed cluster runs (each is a process with two ports).
    public static let maxVolumeServers = 16

    /// Volume servers, 1 to ``maxVolumeServers``.
    public var volumeServers: Int
    /// SeaweedFS's replica placement `xyz`: extra copies in other data centres (`x`), other racks
    /// (`y`) and other servers of the same rack (`z`). Every node of a managed cluster is in one
    /// data centre and rack, so only `z` can be non-zero.
    public var replication: String

    public init(volumeServers: Int = 3, replication: String = "001") {
        self.volumeServers = volumeServers
        self.replication = replication
    }

    /// Extra copies of each volume on other servers of the rack (the last digit).
    public var extraCopies: Int {
        replication.last?.wholeNumberValue ?? 0
    }

    /// What is wrong with the layout, as (field, sentence), or `nil` when it can be started.
    public var problem: (field: String, message: String)? {
        guard (1...Self.maxVolumeServers).contains(volumeServers) else {
            return ("volumeServers", "expected between 1 and \(Self.maxVolumeServers) volume servers, found \(volumeServers)")
        }
        guard replication.count == 3, replication.allSatisfy({ ("0"..."9").contains($0) }) else {
            return ("replication", "expected SeaweedFS's three-digit replica placement such as \"000\" (one copy) or \"001\" "
                + "(a second copy on another volume server), found \"\(replication)\"")
        }
        guard replication.hasPrefix("00") else {
            return ("replication", "\"\(replication)\" asks for copies in other data centres or racks; a managed cluster runs every "
                + "volume server in one data centre and rack, so only the last digit (copies on other servers) can be non-zero")
        }
        guard volumeServers >= extraCopies + 1 else {
            return ("volumeServers", "replication \"\(replication)\" keeps \(extraCopies + 1) copies of each volume on distinct "
                + "servers, so it needs at least \(extraCopies + 1) volume servers; found \(volumeServers)")
        }
        return nil
    }

    /// Throws the ``problem`` as a ``ServerStartError``.
    func validate() throws(ServerStartError) {
        if let problem { throw ServerStartError(message: "cluster.\(problem.field): \(problem.message)") }
    }
}
