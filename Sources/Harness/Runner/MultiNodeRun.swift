#if canImport(Glibc)
import Glibc
#endif
import FaultInjection
import Foundation
import ObjectStore
import Platform
import Servers

/// `flushbench run SCENARIO --nodes N`: N runner processes (datanodes), each with its own cache
/// and regions, against one endpoint, merged into one result.
///
/// The parent starts the scenario's managed store once (a cluster or a single SeaweedFS; or
/// uses the external endpoint), starts the nodes as children of the `flushbench` executable
/// (`run FILE --nodes N --node-index I --run-id R --keep-remote`, endpoint and credentials in
/// their environment only), plays the scenario's node faults itself, waits for the nodes
/// (bounded by the scenario's limits), merges their results, runs the remote checks once over
/// the union, then removes what the nodes wrote and stops the store.
public enum MultiNodeRun {
    /// What the parent needs beyond the scenario.
    public struct Options: Sendable {
        /// Nodes to start (1 to ``maxNodes``).
        public var nodes: Int
        /// The `flushbench` executable the nodes run.
        public var executable: String
        /// The scenario file (holding this one scenario).
        public var file: String
        /// Each node's results go to `resultsDirectory/node-<i>/`.
        public var resultsDirectory: String
        public var seedOverride: UInt64?
        /// Keep the nodes' objects on the store after the checks.
        public var keepRemote: Bool
        public var notice: (@Sendable (String) -> Void)?

        public init(nodes: Int, executable: String, file: String, resultsDirectory: String, seedOverride: UInt64? = nil,
                    keepRemote: Bool = false, notice: (@Sendable (String) -> Void)? = nil) {
            self.nodes = nodes
            self.executable = executable
            self.file = file
            self.resultsDirectory = resultsDirectory
            self.seedOverride = seedOverride
            self.keepRemote = keepRemote
            self.notice = notice
        }
    }

    /// The most nodes one machine starts.
    public static let maxNodes = 64

    /// Runs `scenario` on `options.nodes` nodes and returns the merged result.
    ///
    /// - Errors: ``ScenarioError`` when the scenario cannot run on several nodes (not an s3
    ///   store); ``RunSetupError`` when the store cannot be started or a node produced no result
    ///   (its exit status and the end of its output in the message).
    public static func run(_ scenario: Scenario, options: Options) async throws -> RunResult {
        guard scenario.store.kind == .s3 else {
            throw ScenarioError(code: "invalid", file: scenario.file, issues: [ScenarioIssue(
                path: "store.kind", message: "--nodes runs the nodes against one shared endpoint, so it needs an s3 store; this one is \(scenario.store.kind.rawValue)")])
        }
        let remote = try await RemoteStore.make(scenario.store, workDirectory: "", scenario: scenario.name)
        do {
            let result = try await runNodes(scenario, remote: remote, options: options)
            await remote.server?.stop()
            return result
        } catch {
            await Task { await remote.server?.stop() }.value
            throw error
        }
    }

    private static func runNodes(_ scenario: Scenario, remote: RemoteStore, options: Options) async throws -> RunResult {
        var environment: [String: String] = [:]
        if let server = remote.server {
            let configuration = server.configuration
            environment = ["AWS_ENDPOINT_URL": configuration.endpoint, "AWS_ACCESS_KEY_ID": configuration.credentials.accessKeyID,
                           "AWS_SECRET_ACCESS_KEY": configuration.credentials.secretAccessKey, "AWS_REGION": configuration.region]
        }
        let runID = RunID.make()
        let playsFaults = remote.cluster != nil && !scenario.clusterFaults.isEmpty
        let children = try (0..<options.nodes).map { index in
            var arguments = ["run", options.file, "--nodes", String(options.nodes), "--node-index", String(index),
                             "--run-id", runID.value, "--out", options.resultsDirectory + "/node-\(index)", "--keep-remote",
                             "--parent-pid", String(getpid())]
            if playsFaults { arguments.append("--cluster-faults-by-parent") }
            if let seed = options.seedOverride { arguments += ["--seed", String(seed)] }
            return try ChildProcess(options.executable, arguments, environment: environment, measuresPeakMemory: false).start()
        }
        let start = ContinuousClock.now
        options.notice?("started \(options.nodes) node(s) against \(remote.description), run \(runID)")
        let faults: NodeFaultSchedule? = remote.cluster.flatMap { cluster in
            playsFaults ? NodeFaultSchedule(faults: scenario.clusterFaults, control: SeaweedFSClusterControl(cluster: cluster)) : nil
        }
        let faultTask = faults.map { schedule in Task { await schedule.run(from: start) } }
        let limit = scenario.timeLimit + scenario.cleanupTimeLimit + .seconds(60)
        let outcomes = await withTaskCancellationHandler {
            await withTaskGroup(of: (Int, ChildProcess.Outcome?).self) { group in
                for (index, child) in children.enumerated() {
                    group.addTask { (index, try? await BlockingIO.runToCompletion { child.wait() }) }
                }
                let watchdog = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    options.notice?("the nodes did not finish within \(limit); stopping them")
                    for child in children { child.send(SIGTERM) }
                    try? await Task.sleep(for: .seconds(10))
                    for child in children { child.send(SIGKILL) }
                }
                var outcomes: [Int: ChildProcess.Outcome] = [:]
                for await (index, outcome) in group { outcomes[index] = outcome }
                watchdog.cancel()
                return outcomes
            }
        } onCancel: {
            for child in children { child.send(SIGTERM) }
        }
        faultTask?.cancel()
        await faultTask?.value
        var results: [RunResult] = []
        var problems: [String] = []
        for index in 0..<options.nodes {
            let output = outcomes[index].map { ($0.standardOutput + $0.standardError).split(separator: "\n").suffix(8).joined(separator: "\n") } ?? ""
            if let result = try? await BlockingIO.run({ try readNodeResult(options.resultsDirectory + "/node-\(index)") }) {
                results.append(result)
            } else {
                problems.append("node \(index) wrote no result (exit status \(outcomes[index].map { String($0.status) } ?? "unknown")); its output ends with:\n\(output)")
            }
        }
        var merged: RunResult?
        if problems.isEmpty {
            do {
                merged = try RunResult.merge(results)
            } catch {
                problems.append("cannot merge the nodes' results: \(error)")
            }
        }
        guard var merged, problems.isEmpty else {
            if !options.keepRemote { await removeNodeObjects(scenario, runID: runID, nodes: options.nodes, store: remote.store, notice: options.notice) }
            throw RunSetupError(code: "node", scenario: scenario.name, message: Redaction.redact(problems.joined(separator: "\n"), secrets: remote.secrets))
        }
        merged.store = remote.description
        let events = faults?.events ?? []
        if !events.isEmpty { merged = merged.withNodeFaults(events, replicated: (remote.cluster?.layout.extraCopies ?? 0) > 0) }
        merged = merged.addingChecks(await NodeUnionChecks.run(merged, store: remote.store))
        if options.keepRemote {
            options.notice?("kept \(merged.objects.count) object(s) of \(options.nodes) node(s) under their prefixes (--keep-remote)")
        } else {
            await removeNodeObjects(scenario, runID: runID, nodes: options.nodes, store: remote.store, notice: options.notice)
        }
        merged.checks = merged.checks.map { check in
            var redacted = check
            redacted.detail = Redaction.redact(check.detail, secrets: remote.secrets)
            return redacted
        }
        return merged
    }

    /// Removes what every node wrote (`PREFIX/flushbench/SCENARIO/node-<i>/RUN-ID/`), whether or
    /// not it wrote a result.
    private static func removeNodeObjects(_ scenario: Scenario, runID: RunID, nodes: Int, store: any ObjectStore,
                                          notice: (@Sendable (String) -> Void)?) async {
        for index in 0..<nodes {
            let keys = RunKeys(basePrefix: scenario.store.prefix + "flushbench/\(scenario.name)/" + NodeAssignment(index: index, count: nodes).prefixSegment,
                               runID: runID)
            for line in await RemoteLeftovers.remove(store: store, keys: keys) { notice?("node \(index): " + line) }
        }
    }

    /// The one result document a node wrote below `directory`.
    static func readNodeResult(_ directory: String) throws -> RunResult {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw ResultFileError(file: directory, message: "no such directory")
        }
        let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
        guard files.count == 1, let file = files.first else {
            throw ResultFileError(file: directory, message: "expected one result document, found \(files.count)")
        }
        return try ResultWriter.read(directory + "/" + file)
    }
}
