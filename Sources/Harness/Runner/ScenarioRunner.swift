import FaultInjection
import Foundation
import Histogram
import Logging
import ObjectStore
import Servers
import Platform
import Synchronization
import WriteCache

/// Runs scenarios: builds the store, wraps it in the scenario's faults, opens a write cache,
/// replays the flushes, reads back, checks every invariant and evaluates the expectations.
public enum ScenarioRunner {
    /// Runs `scenario` in `area` (see ``run(_:options:)``, which opens and closes the area).
    static func run(_ scenario: Scenario, seed: UInt64, startDate: Date, plan: FaultPlan, options: RunOptions,
                    area: WorkArea) async throws -> RunResult {
        let work = area.path
        var made = try await RemoteStore.make(scenario.store, workDirectory: work, scenario: scenario.name, environment: options.environment,
                                              inNode: options.node != nil)
        let keys = RunKeys(basePrefix: scenario.store.prefix + "flushbench/\(scenario.name)/" + (options.node?.prefixSegment ?? ""),
                           runID: area.runID)
        // One trace for both layers; network rules put the fault proxy in front of S3.
        let trace = FaultTrace()
        var network: NetworkLayer?
        do {
            if plan.hasNetworkRules {
                (made, network) = try await NetworkLayer.start(made, plan: plan, trace: trace, keys: keys, scenario: scenario,
                                                                 runStart: .now)
            }
            try await SetupCheck.run(made, prefix: keys.runPrefix, scenario: scenario.name)
        } catch {
            await network?.stop()
            await made.server?.stop()
            throw error
        }
        let remote = made
        network?.activate()
        let clock = SystemTimeSource()
        let store = RunPrefixedStore(wrapping: remote.store, keys: keys)
        let counted: any ObjectStore = options.crashPoint.map { CrashPointStore(wrapping: store, point: $0) } ?? store
        // A crash trial's child (a death point set) dies at `crash` rules too; elsewhere they only record.
        var crashHandler: FaultyStore.CrashHandler = { _ in }
        if let point = options.crashPoint, point.dieAt != nil {
            crashHandler = { record in
                point.runBeforeDeath()
                FaultyStore.exitProcess(record)
            }
        }
        // Every store call of the run ends by this deadline (moved from phase to phase).
        let deadline = RunDeadline(.now + scenario.timeLimit)
        let fileCache: FileCache
        do {
            // The cache's disk: the scenario's local faults over it, a crash point counting on top.
            var layer = plan.localFileSystem(over: options.fileSystem ?? PosixFileSystem(), trace: trace)
            if let point = options.crashPoint { layer = CrashPointFileSystem(wrapping: layer, point: point) }
            fileCache = try await FileCache.open(FileCacheConfiguration(directory: area.cacheDirectory, capacity: scenario.cache.capacity,
                                                                        timeToIdle: scenario.cache.ttl, timeSource: clock, fileSystem: layer))
        } catch {
            await network?.stop()
            await remote.server?.stop()
            throw RunSetupError(code: "cache", scenario: scenario.name, message: "cannot open the cache: \(error)")
        }
        // The run's own prefix is new; name what other runs left beside it (gc removes that).
        let journal: RunJournal
        do {
            journal = try await start(area: area, remote: remote, keys: keys, scenario: scenario, notice: options.notice)
        } catch {
            fileCache.close()
            await network?.stop()
            await remote.server?.stop()
            throw error
        }
        // The run's start, just before the flushes: fault rules' windows and phases count from here
        // (the fault store's origin), so a slow setup (a server, the journal) cannot eat a phase.
        let origin = ContinuousClock.now
        let originReading = clock.now()
        let faulty = FaultyStore(wrapping: counted, plan: plan, trace: trace, timeSource: clock, runStart: originReading,
                                 hangLimit: scenario.timeLimit, crashHandler: crashHandler)
        let prefix = keys.basePrefix
        var logger = Logger(label: "flushbench.run")
        logger.logLevel = .error
        let cache = WriteCache(
            fileCache: fileCache, store: DeadlineStore(wrapping: faulty, deadline: deadline),
            configuration: WriteCacheConfiguration(
                partSize: Int(scenario.upload.partSize), uploadConcurrency: scenario.upload.concurrency,
                downloadChunkSize: Int(scenario.download.chunkSize), downloadConcurrency: scenario.download.concurrency,
                verifyUploads: scenario.upload.verify, retry: scenario.upload.retry, remotePrefix: prefix),
            timeSource: clock, logger: logger)

        let sampler = MemorySampler()
        let sampling = Task { await sampler.run() }
        let record = FlushWorkload.Record()
        let workload = FlushWorkload(scenario: scenario, seed: seed, cache: cache, journal: journal, keys: keys)
        let start = ContinuousClock.now
        deadline.move(to: start + scenario.timeLimit)
        let nodeFaults = ClusterFaultRun.start(scenario, remote: remote, options: options, cache: cache, from: start)
        let timeline = TimelineSampler(origin: origin, cache: cache, faults: faulty.trace, record: record,
                                       live: options.metrics.map { ($0, scenario.name) })
        let timelineTask = Task { await timeline.run() }
        let progressTask = options.progress.map { report in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let done = record.state.withLock { $0.succeeded + $0.failed + $0.empty }
                    let elapsed = (ContinuousClock.now - start).seconds
                    let bytes = cache.metrics.bytes
                    report(RunOptions.Progress(scenario: scenario.name, phase: "flush", flushesDone: done,
                                               flushesTotal: scenario.workload.totalFlushes,
                                               uploadedMiBps: Double(bytes.uploaded) / 1_048_576 / max(elapsed, 0.001),
                                               acknowledgedMiBps: Double(bytes.uploadedAcknowledged) / 1_048_576 / max(elapsed, 0.001),
                                               faultsInjected: faulty.trace.count, elapsedSeconds: elapsed))
                }
            }
        }
        // The workload: flushes, then reads, cancelled at timeLimit (or by a signal).
        let budget = RunBudget(start: start, timeLimit: scenario.timeLimit, cleanupTimeLimit: scenario.cleanupTimeLimit)
        let flushEnded = Locked<ContinuousClock.Instant?>(nil)
        let readCounts = Locked(ReadCounts(attempted: 0, succeeded: 0, failed: 0))
        let workloadEnd = await PhaseBudget.run(until: budget.workloadDeadline, abandonAt: budget.drainDeadline,
                                                beforeCancel: { deadline.move(to: budget.drainDeadline) }) {
            await workload.run(record: record, start: start)
            flushEnded.withLock { $0 = .now }
            guard scenario.workload.readsAfterFlush, !Task.isCancelled else { return }
            let keys = Array(record.state.withLock { $0.acknowledged.keys })
            let counts = await readBack(keys, cache: cache, evict: scenario.workload.evictBeforeRead, width: scenario.workload.concurrency)
            readCounts.withLock { $0 = counts }
        }
        let flushEnd = flushEnded.withLock { $0 } ?? .now
        let flushPhase = flushEnd - start
        // Every node is back (restarted, resumed) before the checks look at the store.
        let nodeEvents = await nodeFaults?.finish() ?? []
        progressTask?.cancel()
        timelineTask.cancel()
        let samples = timeline.samples()
        budget.workloadEnded(in: workloadEnd)
        let reads = readCounts.withLock { $0 }
        if Task.isCancelled {
            sampling.cancel()
            throw await interrupted(scenario, remote: remote, keys: keys, fileCache: fileCache, journal: journal)
        }

        // The checks, within the clean-up budget, against the run's store (bounded too).
        network?.quiesce()
        await options.beforeChecks?(remote.store, cache)
        let state = record.state.withLock { $0 }
        deadline.move(to: budget.checksDeadline)
        let checksStarted = ContinuousClock.now
        let runChecks = RunChecks(cache: cache, store: DeadlineStore(wrapping: store, deadline: deadline), acknowledged: state.acknowledged,
                                  acknowledgedObjects: state.objects, policy: scenario.upload.retry)
        let checked = await PhaseBudget.value(until: budget.checksDeadline) { await runChecks.run() }
        let checks = checked ?? RunChecks.Outcome()
        let checksEnded = ContinuousClock.now
        sampling.cancel()
        let memory = sampler.report()
        let commit = await gitCommit()
        if Task.isCancelled { throw await interrupted(scenario, remote: remote, keys: keys, fileCache: fileCache, journal: journal) }

        // Clean-up: remove what the run wrote on a remote that outlives it (an external S3
        // endpoint) unless asked to keep it, close the cache, stop a managed server; bounded,
        // and run even when cancelled.
        deadline.move(to: budget.end)
        let cleanupStore = DeadlineStore(wrapping: remote.store, deadline: deadline)
        let cleanupEnd = await PhaseBudget.run(until: budget.end, abandonAt: budget.end, stopsWhenCancelled: false) {
            guard remote.isExternal else { return }
            if options.keepRemote {
                options.notice?("kept \(state.objects.count) object(s) under '\(keys.runPrefix)' (--keep-remote)")
            } else {
                for line in await RemoteLeftovers.remove(store: cleanupStore, keys: keys) { options.notice?(line) }
            }
        }
        journal.close()
        fileCache.close()
        await network?.stop()
        await remote.server?.stop()
        let timings = PhaseTimings(workload: (budget.workloadEndedAt - start).seconds, checks: (checksEnded - checksStarted).seconds,
                                   cleanup: (ContinuousClock.now - checksEnded).seconds)
        var allChecks = checks.checks
        allChecks.insert(budget.check(workload: workloadEnd, checksCompleted: checked != nil, cleanup: cleanupEnd, timings: timings), at: 0)
        var result = assemble(scenario: scenario, seed: seed, startDate: startDate, start: start, flushPhase: flushPhase,
                              remote: remote, faulty: faulty, cache: cache, state: state, reads: reads,
                              checks: checks, allChecks: allChecks, memory: memory, gitCommit: commit, timings: timings)
            .withNodeFaults(nodeEvents, replicated: (remote.cluster?.layout.extraCopies ?? 0) > 0)
        result.timeline = samples
        result.latencyPercentiles = percentileCurves(state: state, metrics: cache.metrics)
        if !scenario.phases.isEmpty {
            result.phases = phaseReports(scenario, state: state, faults: faulty.trace.summary(ruleCount: faulty.plan.rules.count),
                                         origin: origin, start: start, flushEnd: flushEnd)
        }
        return result.finished(keys: keys, secrets: remote.secrets)
            .withNodeSection(options.node)
    }

    /// Reads each acknowledged file back through the cache (evicting it first if asked).
    static func readBack(_ keys: [FileKey], cache: WriteCache, evict: Bool, width: Int) async -> ReadCounts {
        let sorted = keys.sorted { $0.fileName < $1.fileName }
        let counts = Locked(ReadCounts(attempted: 0, succeeded: 0, failed: 0))
        await BoundedConcurrency.forEachUntilCancelled(sorted, limit: width) { key in
            if evict { await cache.fileCache.remove(key) }
            let ok = (try? await cache.downloadIfAbsent(key)) != nil
            counts.withLock {
                $0.attempted += 1
                if ok { $0.succeeded += 1 } else { $0.failed += 1 }
            }
        }
        return counts.withLock { $0 }
    }
}
