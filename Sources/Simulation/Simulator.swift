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
}
