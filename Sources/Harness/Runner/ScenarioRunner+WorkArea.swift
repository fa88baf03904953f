import FaultInjection
import Foundation
import ObjectStore
import Servers
import WriteCache

extension ScenarioRunner {
    /// Runs `scenario` and returns its result. A run that breaks an invariant still returns a
    /// result (with `passed == false`); only a scenario that cannot be set up throws.
    ///
    /// The run works in a ``WorkArea``: `options.workDirectory`, or a temporary directory removed
    /// afterwards. Its lock is taken before anything in it is touched. Stale temporary work areas
    /// of killed runs are named through `options.notice` (and removed when nothing remote depends
    /// on them). When the task is cancelled (a signal), the run stops its flushes, removes what it
    /// wrote to an external store and its temporary work area, and throws ``RunInterrupted``.
    ///
    /// - Errors: ``WorkAreaError`` when the work directory is locked by another process or holds
    ///   files flushbench did not make; ``RunSetupError`` when the store or the cache cannot be set
    ///   up; ``ScenarioError`` when its faults are invalid; ``RunInterrupted`` when cancelled.
    public static func run(_ scenario: Scenario, options: RunOptions = RunOptions()) async throws -> RunResult {
        var scenario = scenario
        if let node = options.node { scenario.workload.firstRegion = node.index * scenario.workload.regions }
        let seed = options.seedOverride ?? scenario.seed
        let startDate = Date()
        let plan = try ScenarioFaults.plan(scenario.faults, phases: scenario.phases, seed: seed)
        try ClusterFaultRun.checkTakesEffect(scenario, options: options)
        try NetworkLayer.validate(scenario, plan: plan, environment: options.environment)
        let runID = options.node?.runID ?? RunID.make(date: startDate)
        let area = try await WorkArea.open(directory: options.workDirectory,
                                           marker: WorkAreaMarker(runID: runID, scenario: scenario.name, date: startDate))
        for stale in await WorkArea.sweepStale() {
            options.notice?((stale.removed ? "removed the stale work area" : "kept the stale work area (its objects are on an external store; reconcile with `flushbench gc --work-area`)")
                + " '\(stale.path)' of run \(stale.marker.runID) (pid \(stale.marker.processID), scenario \(stale.marker.scenario)), which died without cleaning up")
        }
        do {
            let result = try await run(scenario, seed: seed, startDate: startDate, plan: plan, options: options, area: area)
            await area.close()
            return result
        } catch {
            await area.close()
            if Task.isCancelled, !(error is RunInterrupted) { throw RunInterrupted(scenario: scenario.name, cleanup: []) }
            throw error
        }
    }

    /// Records the store in the work area's marker, names what other runs left on an external
    /// store, and creates the run's journal.
    static func start(area: WorkArea, remote: RemoteStore, keys: RunKeys, scenario: Scenario,
                      notice: (@Sendable (String) -> Void)?) async throws -> RunJournal {
        var marker = WorkAreaMarker(runID: area.runID, scenario: scenario.name)
        marker.store = remote.isExternal ? "s3-external" : remote.server != nil ? "s3-managed" : remote.store.kind
        marker.remotePrefix = keys.runPrefix
        if remote.isExternal, let s3 = remote.store as? S3Store {
            marker.endpoint = Redaction.strippingCredentials(fromURL: s3.configuration.endpoint)
            marker.bucket = s3.configuration.bucket
        }
        try await area.update(marker)
        if remote.isExternal {
            for line in await RemoteLeftovers.describe(store: remote.store, keys: keys) { notice?(line) }
        }
        do {
            return try await RunJournal.create(at: area.journalPath)
        } catch {
            throw RunSetupError(code: "workdir", scenario: scenario.name, message: "cannot create the journal: \(error)")
        }
    }

    /// Cleans up after a signal: what the run wrote to an external store (objects and incomplete
    /// uploads), its cache, its managed server. The caller removes the work area.
    static func interrupted(_ scenario: Scenario, remote: RemoteStore, keys: RunKeys, fileCache: FileCache,
                            journal: RunJournal) async -> RunInterrupted {
        var cleanup: [String] = []
        if remote.isExternal { cleanup += await RemoteLeftovers.remove(store: remote.store, keys: keys) }
        journal.close()
        fileCache.close()
        await Task { await remote.server?.stop() }.value
        return RunInterrupted(scenario: scenario.name, cleanup: cleanup)
    }
}
