import FaultInjection
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ObjectStore
import Platform
import WriteCache

/// Running a history: starting operations, waiting on them and the clock, quiescence, reopening.
extension SimulationRun {
    func execute() async {
        for (index, step) in history.steps.enumerated() {
            currentStep = index
            stepsRun = index + 1
            operationsByKind[step.kind, default: 0] += 1
            switch step {
            case .advance(let milliseconds):
                time.advance(by: .milliseconds(milliseconds))
                await Task.yield()
            case .cancel(let pick):
                let ids = inFlight.keys.sorted()
                if !ids.isEmpty {
                    let id = ids[pick % ids.count]
                    inFlight[id]?.cancelled = true
                    inFlight[id]?.task.cancel()
                }
            case .reopen:
                await quiesce()
                guard violations.isEmpty else { return }
                await reopen()
            default:
                await waitForSlot()
                start(step, index: index)
            }
            await collect()
            checkCapacity(step: index)
            guard violations.isEmpty else { return }
        }
        await quiesce()
    }

    private func start(_ step: SimStep, index: Int) {
        if case .put(let key, let size) = step { sizes[key] = size }
        if case .flush(let sst, let dataSize, let indexSize) = step {
            sizes[SimKey(sst: sst, type: .parquet)] = dataSize
            if indexSize > 0 { sizes[SimKey(sst: sst, type: .puffin)] = indexSize }
        }
        var readKey: SimKey?
        if case .read(let key, _, _) = step { readKey = key }
        // Counted before the task starts: it may reach the store at once.
        let acknowledgedAtStart = readKey.map { acknowledged[$0] != nil } ?? false
        let watched = acknowledgedAtStart ? readKey.map { [$0] } ?? [] : step.writtenKeys
        let faultsAtStart = watched.reduce(0) { $0 + outcomeFaults(on: $1) }
        let corruptAtStart = readKey.map(corruptReads(on:)) ?? 0
        let startedAt = time.now()
        let id = nextID
        nextID += 1
        let cache = self.cache
        let completions = self.completions
        let task = Task(executorPreference: executor) {
            let result = await step.perform(on: cache)
            completions.post(id, result)
        }
        inFlight[id] = InFlight(step: step, index: index, task: task, traceStart: faultsAtStart,
                                acknowledgedAtStart: acknowledgedAtStart, corruptReadsAtStart: corruptAtStart,
                                startedAt: startedAt)
    }

    /// The bytes written for `key` (empty when it was never written).
    func content(of key: SimKey) -> [UInt8] {
        entry(of: key).bytes
    }

    /// The SHA-256 of the bytes written for `key`.
    func expectedChecksum(of key: SimKey) -> Checksum {
        entry(of: key).checksum
    }

    private func entry(of key: SimKey) -> (bytes: [UInt8], checksum: Checksum) {
        if let known = contents[key], known.bytes.count == sizes[key] ?? 0 { return known }
        let bytes = key.content(size: sizes[key] ?? 0)
        var accumulator = SHA256Accumulator()
        accumulator.update(bytes)
        let made = (bytes, accumulator.finalize())
        contents[key] = made
        return made
    }

    /// Takes the finished operations and checks each.
    func collect() async {
        for (id, result) in completions.take() {
            guard let operation = inFlight.removeValue(forKey: id) else { continue }
            if let error = result.error {
                failedByKind[operation.step.kind, default: 0] += 1
                failedByCode[error.code.rawValue, default: 0] += 1
            }
            await check(operation, result)
        }
    }

    /// One turn of waiting: collect what finished; when every sleeper has registered and some
    /// wait, move the clock; otherwise wait for the next event (a completion or a new sleep)
    /// instead of spinning.
    private func waitTurn() async {
        let generation = time.events.generation
        await collect()
        guard time.settled else {
            await Task.yield()
            return
        }
        if time.pendingSleeps > 0 {
            time.advance(by: .milliseconds(50))
            await Task.yield()
            return
        }
        if !inFlight.isEmpty { await time.events.wait(after: generation) }
    }

    private func waitForSlot() async {
        var turns = 0
        while inFlight.count >= history.configuration.concurrency {
            await waitTurn()
            turns += 1
            if turns > Self.waitLimit { reportStuck(); return }
        }
    }

    /// How many turns the simulator waits at most for operations to finish before it declares
    /// them stuck (each turn advances the clock by 50 ms when someone sleeps).
    static let waitLimit = 400_000

    /// Waits until no operation is in flight, then checks that nothing of theirs still waits on
    /// the clock, lets such work run out, and checks the quiet state.
    func quiesce() async {
        var turns = 0
        while !inFlight.isEmpty {
            await waitTurn()
            turns += 1
            for (id, operation) in inFlight where time.now() - operation.startedAt > operationBound && !operation.cancelled {
                violations.append(Violation(check: .operationBound, step: operation.index,
                                            detail: "\(operation.step) still runs \(time.now() - operation.startedAt) after it started (bound \(operationBound))"))
                inFlight[id]?.cancelled = true
                inFlight[id]?.task.cancel()
            }
            if turns > Self.waitLimit { reportStuck(); return }
        }
        // Let work without a clock dependency finish (a cancelled shared download's transfer
        // still aborting its writer after its callers returned), then see whether something
        // still sleeps. Only a leak outlasts this: nothing is left to run it away.
        var spins = 0
        while spins < 10_000, !time.settled || !cacheWritesFinished() {
            await Task.yield()
            spins += 1
        }
        checksRun += 1
        if time.pendingSleeps > 0 {
            violations.append(Violation(check: .noWorkAfterCallersLeft, step: currentStep,
                                        detail: "\(time.pendingSleeps) sleep(s) still pending after every operation returned (work that outlived its callers)"))
            var drained = 0
            while time.pendingSleeps > 0, drained < 10_000 {
                time.advance(by: .milliseconds(100))
                await Task.yield()
                drained += 1
            }
        }
        await checkQuiet()
    }

    private func reportStuck() {
        violations.append(Violation(check: .operationBound, step: currentStep,
                                    detail: "\(inFlight.count) operation(s) never finished: \(inFlight.values.map { "\($0.step)" }.joined(separator: "; "))"))
    }

    private func reopen() async {
        earlierOrphans.formUnion(cache.orphans.all.filter(\.isObject).map(\.key))
        earlierOrphanUploads.formUnion(cache.orphans.all.compactMap { orphan in orphan.uploadId.map { "\(orphan.key)#\($0)" } })
        cache.fileCache.close()
        do {
            cache = try await SimulationRun.openCache(directory: cacheDirectory, files: files, store: store, clock: time,
                                                      capacity: history.configuration.capacity, jitterSeed: history.seed &+ UInt64(currentStep),
                                                      executor: executor)
        } catch {
            violations.append(Violation(check: .indexMatchesDisk, step: currentStep, detail: "reopening the cache failed: \(error)"))
        }
    }

    /// Cancels what still runs, waits for it, closes the cache, removes the directory.
    func finish() async -> SimulationReport {
        for (id, _) in inFlight { inFlight[id]?.task.cancel() }
        var turns = 0
        while !inFlight.isEmpty, turns < Self.waitLimit {
            _ = completions.take().map { inFlight.removeValue(forKey: $0.0) }
            time.advance(by: .milliseconds(100))
            await Task.yield()
            turns += 1
        }
        cache.fileCache.close()
        let directory = self.directory
        if !(files is InMemoryFileSystem) {
            _ = try? await BlockingIO.runToCompletion { try LocalFiles.removeTree(directory) }
        }
        let faults = store.trace.records().reduce(into: [String: Int]()) { $0[$1.kind.rawValue, default: 0] += 1 }
        return SimulationReport(seed: history.seed, stepsRun: stepsRun, operationsByKind: operationsByKind, failedByKind: failedByKind,
                                failedByCode: failedByCode, faultsByKind: faults, checksRun: checksRun, violations: violations, seconds: 0)
    }
}
