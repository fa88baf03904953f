import Foundation
import ObjectStore
import Servers
import Platform

/// The remote store of one run and what must happen to it afterwards.
struct RemoteStore: Sendable {
    /// The store the cache talks to (before faults).
    let store: any ObjectStore
    /// A managed SeaweedFS (one process or a cluster) to stop after the run.
    let server: (any ManagedS3Server)?
    /// What to call it in reports (never with credentials).
    let description: String
    /// Secrets to redact from every report: the secret key of an external endpoint and any
    /// password written into its URL.
    var secrets: [String] = []
    /// Whether it outlives the run (an external S3 endpoint): what the run wrote must be removed.
    var isExternal: Bool { server == nil && store.kind == "s3" }
    /// The managed cluster, when the store is one (node faults act on it).
    var cluster: SeaweedFSCluster? { server as? SeaweedFSCluster }

    /// Builds the store a scenario asks for.
    ///
    /// - `memory`: a fresh ``MemoryStore``.
    /// - `fs`: a ``FileSystemStore`` at `workDirectory/remote`.
    /// - `s3`: `store.endpoint`, else `AWS_ENDPOINT_URL` (credentials from the standard AWS
    ///   variables), else a managed SeaweedFS on loopback started for this run.
    ///   With `store.cluster`, a managed SeaweedFS cluster instead, unless the run is a node of a
    ///   multi-node run (`inNode`): the nodes share the endpoint their parent (or user) gives.
    static func make(_ spec: StoreSpec, workDirectory: String, scenario: String,
                     environment: [String: String]? = nil, inNode: Bool = false) async throws(RunSetupError) -> RemoteStore {
        switch spec.kind {
        case .memory:
            return RemoteStore(store: MemoryStore(), server: nil, description: "memory")
        case .fs:
            do {
                return RemoteStore(store: try await FileSystemStore.open(root: workDirectory + "/remote"), server: nil,
                                   description: "fs at \(workDirectory)/remote")
            } catch {
                throw RunSetupError(code: "store", scenario: scenario, message: "cannot open the fs store: \(error)")
            }
        case .s3:
            let bucket = spec.bucket ?? "flushbench"
            if let layout = spec.cluster, !inNode { return try await startCluster(layout, bucket: bucket, scenario: scenario) }
            var configuration: S3Configuration?
            var urlSecrets: [String] = []
            do {
                var environment = environment ?? ProcessInfo.processInfo.environment
                if let endpoint = spec.endpoint { environment["AWS_ENDPOINT_URL"] = endpoint }
                // Credentials travel only in the AWS variables, never inside the endpoint's URL.
                urlSecrets = Redaction.secrets(inURL: environment["AWS_ENDPOINT_URL"] ?? "")
                environment["AWS_ENDPOINT_URL"] = environment["AWS_ENDPOINT_URL"].map(Redaction.strippingCredentials(fromURL:))
                configuration = try S3Configuration.fromEnvironment(bucket: bucket, environment: environment)
            } catch {
                throw RunSetupError(code: "store", scenario: scenario, message: Redaction.redact(error.message, secrets: urlSecrets))
            }
            if var configuration {
                if let region = spec.region { configuration.region = region }
                return RemoteStore(store: S3Store(configuration: configuration), server: nil,
                                   description: "s3 at \(configuration.endpoint), bucket \(bucket)",
                                   secrets: urlSecrets + [configuration.credentials.secretAccessKey])
            }
            do {
                let server = try await SeaweedFS.start(bucket: bucket)
                return RemoteStore(store: S3Store(configuration: server.configuration), server: server,
                                   description: "s3 on a managed SeaweedFS at \(server.configuration.endpoint)")
            } catch {
                throw RunSetupError(code: "store", scenario: scenario, message: "cannot start SeaweedFS for the s3 store: \(error)")
            }
        }
    }

    /// Starts the managed SeaweedFS cluster of `store.cluster`.
    static func startCluster(_ layout: SeaweedFSClusterLayout, bucket: String, scenario: String) async throws(RunSetupError) -> RemoteStore {
        do {
            let cluster = try await SeaweedFSCluster.start(layout, bucket: bucket)
            return RemoteStore(store: S3Store(configuration: cluster.configuration), server: cluster,
                               description: "s3 on a managed SeaweedFS cluster (\(layout.volumeServers) volume servers, "
                                   + "replication \(layout.replication)) at \(cluster.configuration.endpoint)")
        } catch {
            throw RunSetupError(code: "store", scenario: scenario, message: "cannot start the SeaweedFS cluster for the s3 store: \(error)")
        }
    }
}
