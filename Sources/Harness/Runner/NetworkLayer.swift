import FaultInjection
import Foundation
import ObjectStore

/// The network fault layer of one run: a ``FaultProxy`` in this process between the run's S3
/// store and its endpoint (the managed SeaweedFS or `AWS_ENDPOINT_URL`), recording into the
/// run's fault trace beside the store layer.
///
/// The proxy is an event-loop thread of the runner, so it ends with the runner, however that
/// ends. Its faults act on the workload only: ``quiesce()`` turns them off before the checks,
/// which must see the store as it is.
struct NetworkLayer: Sendable {
    let proxy: FaultProxy

    /// Rejects network rules that could never take effect, before anything starts: a store
    /// other than s3, or an HTTPS endpoint (from the scenario or `AWS_ENDPOINT_URL`).
    ///
    /// - Errors: ``ScenarioError`` (exit status 2) naming the rule's `layer`.
    static func validate(_ scenario: Scenario, plan: FaultPlan, environment: [String: String]?) throws(ScenarioError) {
        guard let index = plan.rules.firstIndex(where: { $0.layer == .network }) else { return }
        let path = "faults[\(index)].layer"
        if scenario.store.kind != .s3 {
            throw ScenarioError(code: "invalid", file: "", issues: [ScenarioIssue(
                path: path, message: "a network fault needs the s3 store (the fault proxy stands in front of S3), and this store is \(scenario.store.kind.rawValue)")])
        }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let endpoint = scenario.store.endpoint ?? environment["AWS_ENDPOINT_URL"] ?? ""
        if endpoint.lowercased().hasPrefix("https://") {
            let source = scenario.store.endpoint == nil ? "AWS_ENDPOINT_URL" : "store.endpoint"
            throw ScenarioError(code: "invalid", file: "", issues: [ScenarioIssue(
                path: path, message: "a network fault needs a plain-HTTP S3 endpoint, and \(source) is HTTPS: through a CONNECT tunnel "
                    + "the proxy sees only encrypted bytes, so no request-aware fault can take effect; use an http:// endpoint "
                    + "(or the managed SeaweedFS) or remove the network rules")])
        }
    }

    /// Starts the proxy in front of `remote`'s endpoint and returns the remote with an S3 store
    /// that talks through it.
    ///
    /// - Errors: ``RunSetupError`` (`faults`) when the store is not S3 or the proxy cannot start.
    static func start(_ remote: RemoteStore, plan: FaultPlan, trace: FaultTrace, keys: RunKeys, scenario: Scenario,
                      runStart: ContinuousClock.Instant) async throws(RunSetupError) -> (RemoteStore, NetworkLayer) {
        guard let s3 = remote.store as? S3Store else {
            throw RunSetupError(code: "faults", scenario: scenario.name, message: "network faults need an s3 store, and this one is \(remote.store.kind)")
        }
        // Off until the workload starts: the setup check's requests pass untouched.
        let faults = NetworkFaults(plan: plan, trace: trace, runStart: runStart, enabled: false)
        let proxy: FaultProxy
        do {
            proxy = try await FaultProxy.start(
                origin: s3.configuration.endpoint, bucket: s3.configuration.bucket, keyPrefix: s3.configuration.prefix,
                faults: faults, hangLimit: scenario.timeLimit,
                keyMapper: { key in keys.seededKey(key) ?? key })
        } catch {
            throw RunSetupError(code: "faults", scenario: scenario.name, message: error.message)
        }
        var configuration = s3.configuration
        configuration.proxy = proxy.url
        let proxied = RemoteStore(store: S3Store(configuration: configuration), server: remote.server,
                                  description: remote.description + ", through the fault proxy at \(proxy.url)",
                                  secrets: remote.secrets)
        return (proxied, NetworkLayer(proxy: proxy))
    }

    /// Starts injecting (the workload begins).
    func activate() {
        proxy.faults.enable()
    }

    /// Stops injecting: the checks and the clean-up pass through untouched.
    func quiesce() {
        proxy.faults.disable()
    }

    /// Stops the proxy.
    func stop() async {
        await proxy.stop()
    }
}
