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
    /// Runs `scenario` and returns its result. A run that breaks an invariant still returns a
    /// result (with `passed == false`); only a scenario that cannot be set up throws.
    ///
    /// - Errors: ``RunSetupError`` when the work directory, the store or the cache cannot be set
    ///   up; ``ScenarioError`` when its faults are invalid.
    public static func run(_ scenario: Scenario, options: RunOptions = RunOptions()) async throws -> RunResult {
        let seed = options.seedOverride ?? scenario.seed
        let startDate = Date()
        let plan = try ScenarioFaults.plan(scenario.faults, seed: seed)
        let keep = options.workDirectory != nil
        let work: String
        do {
            if let directory = options.workDirectory {
                try LocalFiles.removeTree(directory + "/cache")
                try LocalFiles.removeTree(directory + "/remote")
                try LocalFiles.createDirectories(directory)
                work = directory
            } else {
                work = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-run-\(scenario.name)")
            }
        } catch {
            throw RunSetupError(code: "workdir", scenario: scenario.name, message: "cannot prepare the work directory: \(error)")
        }
        defer { if !keep { try? LocalFiles.removeTree(work) } }

        let remote = try await RemoteStore.make(scenario.store, workDirectory: work, scenario: scenario.name, environment: options.environment)
        let prefix = scenario.store.prefix + "flushbench/\(scenario.name)/"
        do {
            try await SetupCheck.run(remote, prefix: prefix, scenario: scenario.name)
        } catch {
            await remote.server?.stop()
            throw error
        }
        let clock = SystemTimeSource()
        let faulty = FaultyStore(wrapping: remote.store, plan: plan, timeSource: clock, hangLimit: scenario.timeLimit,
                                 crashHandler: { _ in })
        // Every store call of the run ends by this deadline (moved from phase to phase).
        let deadline = RunDeadline(.now + scenario.timeLimit)
        let fileCache: FileCache
        do {
            fileCache = try await FileCache.open(FileCacheConfiguration(directory: work + "/cache", capacity: scenario.cache.capacity,
                                                                        timeToIdle: scenario.cache.ttl, timeSource: clock))
        } catch {
            await remote.server?.stop()
            throw RunSetupError(code: "cache", scenario: scenario.name, message: "cannot open the cache: \(error)")
        }
        var logger = Logger(label: "flushbench.run")
        logger.logLevel = .error
        let cache = WriteCache(
            fileCache: fileCache, store: DeadlineStore(wrapping: faulty, deadline: deadline),
            configuration: WriteCacheConfiguration(
                partSize: Int(scenario.upload.partSize), uploadConcurrency: scenario.upload.concurrency,
                downloadChunkSize: Int(scenario.download.chunkSize), downloadConcurrency: scenario.download.concurrency,
                verifyUploads: scenario.upload.verify, retry: scenario.upload.retry, remotePrefix: prefix),
            timeSource: clock, logger: logger)

        // Start from an empty prefix: leftovers of an earlier run would read as orphans.
        if let stale = try? await remote.store.list(prefix: prefix), !stale.isEmpty {
            fileCache.close()
            await remote.server?.stop()
            throw RunSetupError(code: "store", scenario: scenario.name,
                                message: "the remote already holds \(stale.count) object(s) under '\(prefix)'; remove them or set store.prefix")
        }

        let sampler = MemorySampler()
        let sampling = Task { await sampler.run() }
        let record = FlushWorkload.Record()
        let workload = FlushWorkload(scenario: scenario, seed: seed, cache: cache)
        let start = ContinuousClock.now
        deadline.move(to: start + scenario.timeLimit)
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
        // The workload: flushes, then reads, cancelled at timeLimit.
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
        let flushPhase = (flushEnded.withLock { $0 } ?? .now) - start
        progressTask?.cancel()
        budget.workloadEnded(in: workloadEnd)

        // The checks, within the clean-up budget, against the bare store (bounded too).
        let reads = readCounts.withLock { $0 }
        await options.beforeChecks?(remote.store, cache)
        let state = record.state.withLock { $0 }
        deadline.move(to: budget.checksDeadline)
        let checksStarted = ContinuousClock.now
        let runChecks = RunChecks(cache: cache, store: DeadlineStore(wrapping: remote.store, deadline: deadline), acknowledged: state.acknowledged,
                                  acknowledgedObjects: state.objects, policy: scenario.upload.retry)
        let checked = await PhaseBudget.value(until: budget.checksDeadline) { await runChecks.run() }
        let checks = checked ?? RunChecks.Outcome()
        let checksEnded = ContinuousClock.now
        sampling.cancel()
        let memory = sampler.report()
        let commit = await gitCommit()

        // Clean-up: remove what the run left on a remote that outlives it (an external S3
        // endpoint), close the cache, stop a managed server; bounded, and run even when cancelled.
        deadline.move(to: budget.end)
        let cleanupStore = DeadlineStore(wrapping: remote.store, deadline: deadline)
        let cleanupEnd = await PhaseBudget.run(until: budget.end, abandonAt: budget.end, stopsWhenCancelled: false) {
            if remote.server == nil, scenario.store.kind == .s3, let leftovers = try? await cleanupStore.list(prefix: prefix) {
                for object in leftovers { try? await cleanupStore.delete(key: object.key) }
            }
        }
        fileCache.close()
        await remote.server?.stop()
        let timings = PhaseTimings(workload: (budget.workloadEndedAt - start).seconds, checks: (checksEnded - checksStarted).seconds,
                                   cleanup: (ContinuousClock.now - checksEnded).seconds)
        var allChecks = checks.checks
        allChecks.insert(budget.check(workload: workloadEnd, checksCompleted: checked != nil, cleanup: cleanupEnd, timings: timings), at: 0)
        return assemble(scenario: scenario, seed: seed, startDate: startDate, start: start, flushPhase: flushPhase,
                        remote: remote, faulty: faulty, cache: cache, state: state, reads: reads,
                        checks: checks, allChecks: allChecks, memory: memory, gitCommit: commit, timings: timings)
    }

    /// Reads each acknowledged file back through the cache (evicting it first if asked).
    static func readBack(_ keys: [FileKey], cache: WriteCache, evict: Bool, width: Int) async -> ReadCounts {
        let sorted = keys.sorted { $0.fileName < $1.fileName }
        let counts = Locked(ReadCounts(attempted: 0, succeeded: 0, failed: 0))
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                let key = sorted[next]
                next += 1
                group.addTask {
                    if evict { await cache.fileCache.remove(key) }
                    let ok = (try? await cache.downloadIfAbsent(key)) != nil
                    counts.withLock {
                        $0.attempted += 1
                        if ok { $0.succeeded += 1 } else { $0.failed += 1 }
                    }
                }
            }
            while next < min(width, sorted.count) { start() }
            while await group.next() != nil {
                if next < sorted.count, !Task.isCancelled { start() }
            }
        }
        return counts.withLock { $0 }
    }
}

extension Duration {
    /// The duration in milliseconds, for reports.
    var millisecondsValue: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
