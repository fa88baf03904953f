import Foundation
import ObjectStore
import Servers

/// The remote of crash trials: it must outlive each child, so the parent owns it. An fs store
/// lives in each trial's work area; an s3 scenario uses its endpoint (or `AWS_ENDPOINT_URL`), else
/// a SeaweedFS on loopback that this process starts and stops. Children get the endpoint and
/// credentials in their environment, never on their command line.
struct TrialRemote: Sendable {
    let kind: StoreSpec.Kind
    let configuration: S3Configuration?
    let server: SeaweedFS?
    /// Variables for the children (the S3 endpoint and credentials).
    let environment: [String: String]

    static func make(_ scenario: Scenario) async throws(CrashTrialError) -> TrialRemote {
        switch scenario.store.kind {
        case .memory:
            throw CrashTrialError(operation: "remote", path: scenario.name,
                                  message: "a memory store dies with the child, so nothing can be checked after a crash; use an fs or s3 store")
        case .fs:
            return TrialRemote(kind: .fs, configuration: nil, server: nil, environment: [:])
        case .s3:
            let bucket = scenario.store.bucket ?? "flushbench"
            var environment = ProcessInfo.processInfo.environment
            if let endpoint = scenario.store.endpoint { environment["AWS_ENDPOINT_URL"] = endpoint }
            if var configuration = try? S3Configuration.fromEnvironment(bucket: bucket, environment: environment) {
                if let region = scenario.store.region { configuration.region = region }
                return TrialRemote(kind: .s3, configuration: configuration, server: nil, environment: [:])
            }
            do {
                let server = try await SeaweedFS.start(bucket: bucket)
                let configuration = server.configuration
                return TrialRemote(kind: .s3, configuration: configuration, server: server, environment: [
                    "AWS_ENDPOINT_URL": configuration.endpoint, "AWS_ACCESS_KEY_ID": configuration.credentials.accessKeyID,
                    "AWS_SECRET_ACCESS_KEY": configuration.credentials.secretAccessKey, "AWS_REGION": configuration.region,
                ])
            } catch {
                throw CrashTrialError(operation: "remote", path: "s3://\(bucket)", message: "cannot start SeaweedFS: \(error)")
            }
        }
    }

    /// The store holding trial `directory`'s objects, with real keys.
    func store(directory: String) async throws(CrashTrialError) -> any ObjectStore {
        if let configuration { return S3Store(configuration: configuration) }
        do {
            return try await FileSystemStore.open(root: directory + "/remote")
        } catch {
            throw CrashTrialError(operation: "remote", path: directory + "/remote", message: "cannot open the fs store: \(error)")
        }
    }

    /// The age of an object where the store knows it (the fs store's file time).
    func age(_ store: any ObjectStore) -> @Sendable (String) -> Duration? {
        if let fs = store as? FileSystemStore { return GarbageCollection.fileAge(fs) }
        return { _ in nil }
    }

    /// Stops a SeaweedFS this process started.
    func stop() async {
        await server?.stop()
    }
}
