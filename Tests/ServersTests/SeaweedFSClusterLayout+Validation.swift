import Servers
import Testing

@Suite("Managed SeaweedFS cluster layouts")
struct SeaweedFSClusterLayoutValidationTests {
    @Test("layouts a managed cluster can run have no problem", arguments: [(1, "000"), (2, "001"), (3, "001"), (3, "002"), (16, "009")])
    func validLayouts(servers: Int, replication: String) {
        #expect(SeaweedFSClusterLayout(volumeServers: servers, replication: replication).problem == nil)
    }

    @Test("each impossible layout names its field and why", arguments: [
        (0, "000", "volumeServers", "between 1 and 16"),
        (17, "000", "volumeServers", "between 1 and 16"),
        (3, "1", "replication", "three-digit"),
        (3, "00a", "replication", "three-digit"),
        (3, "100", "replication", "data centres"),
        (3, "010", "replication", "data centres"),
        (2, "002", "volumeServers", "at least 3 volume servers"),
    ])
    func invalidLayouts(servers: Int, replication: String, field: String, message: String) {
        let problem = SeaweedFSClusterLayout(volumeServers: servers, replication: replication).problem
        #expect(problem?.field == field)
        #expect(problem?.message.contains(message) == true, "\(problem?.message ?? "no problem")")
    }
}
