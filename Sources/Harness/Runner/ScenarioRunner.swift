import FaultInjection
import Foundation
import Histogram
import Logging
import ObjectStore
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
        let remote = try await RemoteStore.make(scenario.store, workDirectory: work, scenario: scenario.name)
        let clock = SystemTimeSource()
        let keys = RunKeys(basePrefix: scenario.store.prefix + "flushbench/\(scenario.name)/", runID: area.runID)
        let store = RunPrefixedStore(wrapping: remote.store, keys: keys)
        let faulty = FaultyStore(wrapping: store, plan: plan, timeSource: clock, hangLimit: scenario.timeLimit,
                                 crashHandler: { _ in })
        let fileCache: FileCache
        do {
            fileCache = try await FileCache.open(FileCacheConfiguration(directory: area.cacheDirectory, capacity: scenario.cache.capacity,
                                                                        timeToIdle: scenario.cache.ttl, timeSource: clock))
        } catch {
            await remote.server?.stop()
            throw RunSetupError(code: "cache", scenario: scenario.name, message: "cannot open the cache: \(error)")
        }
        let prefix = keys.basePrefix
        var logger = Logger(label: "flushbench.run")
        logger.logLevel = .error
        let cache = WriteCache(
            fileCache: fileCache, store: faulty,
            configuration: WriteCacheConfiguration(
                partSize: Int(scenario.upload.partSize), uploadConcurrency: scenario.upload.concurrency,
                downloadChunkSize: Int(scenario.download.chunkSize), downloadConcurrency: scenario.download.concurrency,
                verifyUploads: scenario.upload.verify, retry: scenario.upload.retry, remotePrefix: prefix),
            timeSource: clock, logger: logger)

        // The run's own prefix is new; name what other runs left beside it (gc removes that).
        let journal: RunJournal
        do {
            journal = try await start(area: area, remote: remote, keys: keys, scenario: scenario, notice: options.notice)
        } catch {
            fileCache.close()
            await remote.server?.stop()
            throw error
        }

        let sampler = MemorySampler()
        let sampling = Task { await sampler.run() }
        let record = FlushWorkload.Record()
        let workload = FlushWorkload(scenario: scenario, seed: seed, cache: cache, journal: journal, keys: keys)
        let start = ContinuousClock.now
        let progressTask = options.progress.map { report in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let done = record.state.withLock { $0.succeeded + $0.failed + $0.empty }
                    let elapsed = (ContinuousClock.now - start).seconds
                    report(RunOptions.Progress(scenario: scenario.name, phase: "flush", flushesDone: done,
                                               flushesTotal: scenario.workload.totalFlushes,
                                               uploadedMiBps: Double(cache.metrics.bytes.uploaded) / 1_048_576 / max(elapsed, 0.001),
                                               faultsInjected: faulty.trace.count, elapsedSeconds: elapsed))
                }
            }
        }
        let finishedInTime = await withTimeLimit(scenario.timeLimit) {
            await workload.run(record: record, start: start)
        }
        let flushPhase = ContinuousClock.now - start
        progressTask?.cancel()

        let readCounts = Locked(ReadCounts(attempted: 0, succeeded: 0, failed: 0))
        var readsInTime = true
        if finishedInTime, scenario.workload.readsAfterFlush {
            let keys = Array(record.state.withLock { $0.acknowledged.keys })
            readsInTime = await withTimeLimit(scenario.timeLimit - flushPhase) {
                let counts = await readBack(keys, cache: cache, evict: scenario.workload.evictBeforeRead, width: scenario.workload.concurrency)
                readCounts.withLock { $0 = counts }
            }
        }
        let reads = readCounts.withLock { $0 }
        if Task.isCancelled {
            sampling.cancel()
            throw await interrupted(scenario, remote: remote, keys: keys, fileCache: fileCache, journal: journal)
        }
        await options.beforeChecks?(remote.store, cache)
        let state = record.state.withLock { $0 }
        let checks = await RunChecks(cache: cache, store: store, acknowledged: state.acknowledged,
                                     acknowledgedObjects: state.objects, policy: scenario.upload.retry).run()
        sampling.cancel()
        var allChecks = checks.checks
        allChecks.insert(CheckResult(name: "time-limit", passed: finishedInTime && readsInTime,
                                     detail: finishedInTime && readsInTime ? "finished in \(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s, limit \(scenario.timeLimit)"
                                         : "stopped: the run exceeded its time limit of \(scenario.timeLimit)"), at: 0)
        let result = assemble(scenario: scenario, seed: seed, startDate: startDate, start: start, flushPhase: flushPhase,
                              remote: remote, faulty: faulty, cache: cache, state: state, reads: reads,
                              checks: checks, allChecks: allChecks, memory: sampler.report(), gitCommit: await gitCommit())
            .finished(keys: keys, secrets: remote.secrets)
        if Task.isCancelled { throw await interrupted(scenario, remote: remote, keys: keys, fileCache: fileCache, journal: journal) }

        // Remove what the run wrote on a remote that outlives it (an external S3 endpoint).
        if remote.isExternal {
            if options.keepRemote {
                options.notice?("kept \(result.objects.count) object(s) under '\(keys.runPrefix)' (--keep-remote)")
            } else {
                for line in await RemoteLeftovers.remove(store: remote.store, keys: keys) { options.notice?(line) }
            }
        }
        journal.close()
        fileCache.close()
        await remote.server?.stop()
        return result
    }

    /// Runs `body` until it finishes or `limit` passes (then cancels it). Returns whether it finished.
    static func withTimeLimit(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        guard limit > .zero else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
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
