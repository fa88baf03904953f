import FaultInjection
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ObjectStore
import Platform
import WriteCache

/// Runs seeded random histories of cache operations against a model and checks the cache after
/// every operation and at quiescence.
///
/// One history drives a ``WriteCache`` over a ``FaultyStore`` over a memory (or file-system)
/// store, with up to ``SimulationConfiguration/concurrency`` operations in flight. Time is a held
/// ``ManualTimeSource``: it moves only when a step advances it, or when the simulator waits for a
/// slot or for quiescence while some task sleeps (back-off, injected latency, a hang). Fault
/// decisions follow from the seed; what is not deterministic is the interleaving of the tasks
/// and the blocking-I/O pool, the back-off jitter (the cache draws it from the system generator)
/// and how far the clock moves while the simulator waits.
public struct Simulator: Sendable {
    /// Wraps the remote store under the fault layer: the checker's own tests plant a store that
    /// loses acknowledged objects, to prove the checks see what they must whatever the cache does.
    let wrapRemote: (@Sendable (any ObjectStore) -> any ObjectStore)?

    public init() {
        wrapRemote = nil
    }

    /// A simulator whose remote store is `wrapRemote` of the configured one (for testing the
    /// checker itself with a misbehaving remote).
    init(wrapRemote: @escaping @Sendable (any ObjectStore) -> any ObjectStore) {
        self.wrapRemote = wrapRemote
    }

    /// Generates the history of `seed` and runs it.
    public func run(seed: UInt64, configuration: SimulationConfiguration) async throws(SimulationError) -> (SimulationReport, History) {
        let history = History.generate(seed: seed, configuration: configuration)
        return (try await replay(history), history)
    }

    /// Runs `history` and reports what it found; stops at the first step that violates a check.
    ///
    /// - Errors: ``SimulationError`` when the simulator cannot set up its directories or open the cache.
    public func replay(_ history: History) async throws(SimulationError) -> SimulationReport {
        let started = ContinuousClock.now
        // Every task of the run (the simulator's, the operations', the cache's own) runs on one
        // seeded serial executor.
        let executor = SimulationExecutor(seed: history.seed)
        defer { executor.shutdown() }
        let wrapRemote = self.wrapRemote
        var report = try await withTaskExecutorPreference(executor) { () async throws(SimulationError) -> SimulationReport in
            let run = try await SimulationRun.start(history, wrapRemote: wrapRemote, executor: executor)
            await run.execute()
            return await run.finish()
        }
        report.seconds = (ContinuousClock.now - started).secondsDouble
        return report
    }
}

/// The number of the process's open file descriptors (`/proc/self/fd`), `nil` where unknown.
func openDescriptors() async -> Int? {
    try? await BlockingIO.runToCompletion { try LocalFiles.listDirectory("/proc/self/fd").count }
}

extension Duration {
    /// The duration in seconds.
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// One operation in flight.
struct InFlight {
    var step: SimStep
    var index: Int
    var task: Task<Void, Never>
    /// Outcome faults on the objects it reads (an acknowledged key) or writes when it started:
    /// later ones may explain a failure.
    var traceStart: Int
    /// Whether the key it reads was acknowledged when it started (only then must a read return
    /// the whole range and fail only for a cause).
    var acknowledgedAtStart: Bool
    /// `corrupt` faults on the read key's responses when it started: a read through to the
    /// remote cannot check a range's bytes, so one that a later one hit may return them flipped.
    var corruptReadsAtStart = 0
    var cancelled = false
    var startedAt: Duration
}

/// The mutable state of one history's execution, owned by the simulator's task.
final class SimulationRun {
    let history: History
    let time: SimulationClock
    let inner: any ObjectStore
    let store: FaultyStore
    let directory: String
    /// The cache's file layer: in memory (inline, deterministic) with the memory store, the
    /// real disk with the fs store.
    let files: any FileSystem
    /// The seeded serial executor every task of the run prefers.
    let executor: SimulationExecutor
    let cacheDirectory: String
    var cache: WriteCache
    let completions: Completions
    var inFlight: [Int: InFlight] = [:]
    var nextID = 0

    // The model.
    /// Sizes of the keys whose writing has started (their content follows from key and size).
    var sizes: [SimKey: Int] = [:]
    /// Contents and SHA-256 checksums computed so far (a key's bytes never change).
    var contents: [SimKey: (bytes: [UInt8], checksum: Checksum)] = [:]
    /// Keys acknowledged by an upload, with the acknowledged size.
    var acknowledged: [SimKey: UInt64] = [:]
    /// Object orphans (no upload id) recorded by the caches before a reopen.
    var earlierOrphans: Set<String> = []
    /// Incomplete uploads (`key#uploadId`) recorded as orphans by the caches before a reopen.
    var earlierOrphanUploads: Set<String> = []

    /// The fault trace's counts per key.
    var traceIndex = TraceIndex()
    /// Remote keys by simulation key.
    var remoteKeys: [SimKey: String] = [:]
    /// The step of the last check of every acknowledged key.
    var lastRemoteSweep = 0
    /// Steps between checks of every acknowledged key (the keys an operation wrote are checked
    /// after it, and all of them at quiescence).
    static let remoteSweepInterval = 16

    /// Open descriptors of the process once the cache was open (when they are checked).
    var descriptorsAtStart: Int?

    // Figures.
    var violations: [Violation] = []
    var checksRun = 0
    var stepsRun = 0
    var operationsByKind: [String: Int] = [:]
    var failedByKind: [String: Int] = [:]
    var failedByCode: [String: Int] = [:]
    var currentStep = 0

    /// The longest an operation may take in simulated time: attempts × (hang + max back-off), for
    /// each of its remote calls (generously: 16 calls).
    let operationBound: Duration

    private init(history: History, time: SimulationClock, inner: any ObjectStore, store: FaultyStore, directory: String,
                 files: any FileSystem, cache: WriteCache, executor: SimulationExecutor) {
        self.files = files
        self.executor = executor
        self.history = history
        self.time = time
        self.completions = Completions(events: time.events)
        self.inner = inner
        self.store = store
        self.directory = directory
        self.cacheDirectory = directory + "/cache"
        self.cache = cache
        let retry = cache.configuration.retry
        self.operationBound = (Duration.seconds(6) + retry.maxBackoff + .seconds(1)) * retry.maxAttempts * 16
            + SimulationRun.reservationTimeout * 4
    }

    static func start(_ history: History, wrapRemote: (@Sendable (any ObjectStore) -> any ObjectStore)? = nil,
                      executor: SimulationExecutor) async throws(SimulationError) -> SimulationRun {
        let files: any FileSystem = history.configuration.store == .memory ? InMemoryFileSystem() : PosixFileSystem()
        // Memory-backed when the machine has it: the cache fsyncs every commit, and on a disk
        // that costs two thirds of the run (measured: 890 against 2,690 steps/s).
        let base = LocalFiles.isDirectory("/dev/shm") && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : nil
        let directory: String
        do {
            if files is InMemoryFileSystem {
                directory = "/flushbench-sim"
            } else if let base {
                directory = base + "/flushbench-sim." + UUID().uuidString.prefix(8).lowercased()
                try await BlockingIO.runToCompletion { try LocalFiles.createDirectories(directory) }
            } else {
                directory = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-sim")
            }
        } catch {
            throw SimulationError(code: .io, message: "cannot create the simulation's directory: \(error)")
        }
        let configured: any ObjectStore
        switch history.configuration.store {
        case .memory:
            configured = MemoryStore()
        case .fs:
            do {
                configured = try await FileSystemStore.open(root: directory + "/remote")
            } catch {
                throw SimulationError(code: .io, message: "cannot open the fs store under '\(directory)/remote': \(error)")
            }
        }
        let inner = wrapRemote?(configured) ?? configured
        let plan: FaultPlan
        do {
            plan = try FaultPlan(seed: history.seed, rules: history.faults)
        } catch {
            throw SimulationError(code: .badInput, message: "the history's fault rules are invalid: \(error)")
        }
        let events = SimulationEvents()
        let clock = SimulationClock(events: events)
        let store = FaultyStore(wrapping: inner, plan: plan, timeSource: clock, runStart: .zero, hangLimit: .seconds(5),
                                crashHandler: { _ in })
        let cache = try await openCache(directory: directory + "/cache", files: files, store: store, clock: clock,
                                        capacity: history.configuration.capacity, jitterSeed: history.seed, executor: executor)
        let run = SimulationRun(history: history, time: clock, inner: inner, store: store, directory: directory, files: files,
                                cache: cache, executor: executor)
        if files is InMemoryFileSystem {
            run.descriptorsAtStart = run.cacheHandles()
        } else if history.configuration.checkDescriptors {
            run.descriptorsAtStart = await openDescriptors()
        }
        return run
    }

    /// Open descriptors now: the in-memory layer's handles (sound in any process), or the
    /// process's (only when nothing else in it opens files).
    func descriptorsNow() async -> Int? {
        guard descriptorsAtStart != nil else { return nil }
        if files is InMemoryFileSystem { return cacheHandles() }
        return await openDescriptors()
    }

    /// Whether no cache write is in progress: nothing reserved, nothing in the temp directory.
    func cacheWritesFinished() -> Bool {
        guard cache.fileCache.statistics().reservedBytes == 0 else { return false }
        guard let memory = files as? InMemoryFileSystem else { return true }
        return (try? memory.listDirectory(cacheDirectory + "/tmp"))?.allSatisfy { $0.hasPrefix(OrphanLedger.fileName) } ?? true
    }

    /// The in-memory layer's open handles but the orphan ledger's one, which stays open (for
    /// appends) from the first orphan until the cache closes; it is named by the path it was
    /// opened at, the ledger or, after a compaction renamed it into place, its temp file.
    func cacheHandles() -> Int {
        guard let memory = files as? InMemoryFileSystem else { return 0 }
        let handles = memory.openHandles()
        let ledger = handles.count { $0.path.hasPrefix(cacheDirectory + "/" + OrphanLedger.fileName)
            || $0.path.hasPrefix(cacheDirectory + "/tmp/" + OrphanLedger.fileName + ".") }
        return handles.count - min(ledger, 1)
    }

    /// How long a cache write waits for room before it fails with `capacity`.
    static let reservationTimeout = Duration.seconds(2)

    static func openCache(directory: String, files: any FileSystem, store: any ObjectStore, clock: SimulationClock,
                          capacity: UInt64, jitterSeed: UInt64, executor: SimulationExecutor) async throws(SimulationError) -> WriteCache {
        let fileCache: FileCache
        do {
            fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory, capacity: capacity,
                                                                       timeToIdle: .seconds(30), timeSource: clock,
                                                                       fileSystem: files,
                                                                       reservationTimeout: SimulationRun.reservationTimeout))
        } catch {
            throw SimulationError(code: .cache, message: "cannot open the cache at '\(directory)': \(error)")
        }
        let configuration = WriteCacheConfiguration(
            partSize: 2048, uploadConcurrency: 2, downloadChunkSize: 1536, downloadConcurrency: 2, verifyUploads: true,
            retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .seconds(1), jitterSeed: jitterSeed),
            taskExecutor: TaskExecutorReference(executor))
        // The cache's warnings (failed clean-ups) are expected under faults; the checker judges them.
        let quiet = Logger(label: "flushbench.simulation", factory: { _ in SwiftLogNoOpLogHandler() })
        return WriteCache(fileCache: fileCache, store: store, configuration: configuration, timeSource: clock, logger: quiet)
    }

    // MARK: - Execution

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
            if turns > waitLimit { reportStuck(); return }
        }
    }

    /// How many turns the simulator waits at most for operations to finish before it declares
    /// them stuck (each turn advances the clock by 50 ms when someone sleeps).
    let waitLimit = 400_000

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
            if turns > waitLimit { reportStuck(); return }
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
        while !inFlight.isEmpty, turns < waitLimit {
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
