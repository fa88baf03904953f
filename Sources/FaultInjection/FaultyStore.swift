#if canImport(Glibc)
import Glibc
#endif
public import ObjectStore
public import Platform
import Synchronization

/// An object store that injects the faults of a ``FaultPlan`` into another store's operations
/// and records each one in a ``FaultTrace``.
///
/// It wraps any ``ObjectStore`` (memory, file system, S3). Each operation is numbered per
/// operation and key (a read also per range start): that attempt number, the seed, the rule and
/// the key decide what hits it (see ``FaultPlan/decide(_:)``), so the same scenario and seed
/// inject the same faults whatever the scheduling — as long as one key's attempts of one
/// operation are made one after another, as retries are. Time (latency, bandwidth, hangs, the
/// rules' `window`) goes through the injected ``TimeSource``: a `ManualTimeSource` runs minutes
/// of injected latency in no real time. Operations that no rule can hit pass straight through:
/// with an empty plan a write gets the inner store's own writer.
///
/// How each kind acts on each operation is described on ``Fault``. The attempt counts are kept
/// for every operation and key that some rule can hit (a few dozen bytes each), for the life of
/// the store: one store per run.
public final class FaultyStore: ObjectStore {
    /// Called when a `crash` fault hits, with its record. The default ends the process at once
    /// (``exitProcess``); tests inject one that records. If the handler returns, the operation
    /// fails with ``ObjectStoreError/Code/injectedCrash``.
    public typealias CrashHandler = @Sendable (FaultRecord) -> Void

    /// The exit status of a process ended by an injected crash.
    public static let crashExitStatus: Int32 = 86

    /// The default crash handler: one line on standard error, then `_exit(86)` (no clean-up, no
    /// buffered output, like a power cut for everything but the kernel's page cache).
    public static let exitProcess: CrashHandler = { record in
        let line = "flushbench: injected crash (rule \(record.rule), \(record.operation.rawValue) '\(record.key)', attempt \(record.attempt))\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        _exit(FaultyStore.crashExitStatus)
    }

    /// The store the faults are injected in front of.
    public let inner: any ObjectStore
    /// The rules and seed.
    public let plan: FaultPlan
    /// Every fault injected so far.
    public let trace: FaultTrace
    /// The clock of latency, bandwidth and hangs.
    public let timeSource: any TimeSource
    /// The longest a `hang` lasts when its rule sets no `max`.
    public let hangLimit: Duration
    let crashHandler: CrashHandler
    /// The time source's reading at the start of the run (rules' `window` counts from here).
    let origin: Duration

    private struct AttemptKey: Hashable {
        var operation: ObjectStoreError.Operation
        var key: String
        var offset: UInt64
    }

    private struct AttemptState {
        var count = 0
        var hits: [Int: Int] = [:]
    }

    private let attempts = Mutex<[AttemptKey: AttemptState]>([:])
    /// One bit per operation code that some rule can hit: the pass-through test reads only this.
    private let affectedOperations: UInt8

    /// The inner store's kind: faults do not change what kind of store it is.
    public var kind: String { inner.kind }

    /// Wraps `inner`.
    ///
    /// - Parameters:
    ///   - inner: the store that performs the operations.
    ///   - plan: the rules and seed.
    ///   - timeSource: the clock for delays; `SystemTimeSource` sleeps for real.
    ///   - runStart: the time source's reading when the run started (rules' `window` counts
    ///     from it); the time of this call when `nil`.
    ///   - hangLimit: how long a `hang` without its own `max` lasts at most (5 minutes).
    ///   - crashHandler: what a `crash` fault does; the default exits with status 86.
    ///   - trace: where faults are recorded (a run shares one with its network layer).
    public init(
        wrapping inner: any ObjectStore,
        plan: FaultPlan,
        trace: FaultTrace = FaultTrace(),
        timeSource: any TimeSource = SystemTimeSource(),
        runStart: Duration? = nil,
        hangLimit: Duration = .seconds(300),
        crashHandler: @escaping CrashHandler = FaultyStore.exitProcess
    ) {
        self.inner = inner
        self.plan = plan
        self.trace = trace
        self.timeSource = timeSource
        self.origin = runStart ?? timeSource.now()
        self.hangLimit = hangLimit
        self.crashHandler = crashHandler
        var mask: UInt8 = 0
        for operation in ObjectStoreError.Operation.allCases where plan.affects(operation) {
            mask |= 1 << UInt8(FaultPlan.operationCode(operation))
        }
        self.affectedOperations = mask
    }

    // MARK: Operations

    public func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        let abortRules = !bypasses(.abort)
        if bypasses(.write), !abortRules { return try await inner.makeWriter(key: key, options: options) }
        // With abort rules every writer is wrapped (its abort may be hit), so every write
        // attempt is counted, whether or not a write rule exists.
        let started = begin(.write, key: key, offset: 0) ?? Started(attempt: countAttempt(.write, key: key), decision: FaultPlan.Decision())
        guard !started.decision.isEmpty || abortRules else {
            return try await inner.makeWriter(key: key, options: options)
        }
        let writer = try await inner.makeWriter(key: key, options: options)
        return FaultyWriter(store: self, inner: writer, key: key, attempt: started.attempt,
                            decision: started.decision, expectedSize: options.expectedSize)
    }

    public func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        if bypasses(.read) { return try await inner.read(key: key, range: range) }
        guard let started = begin(.read, key: key, offset: range.lowerBound) else {
            return try await inner.read(key: key, range: range)
        }
        let context = started.context(.read, key: key, offset: range.lowerBound)
        try await applyBefore(started.decision, context)
        let bytes = try await inner.read(key: key, range: range)
        var delivered = UInt64(bytes.count)
        var cutError: ObjectStoreError?
        if let outcome = started.decision.outcome, case .partial(let cut, let error) = outcome.fault {
            delivered = cut.offset(total: UInt64(bytes.count))
            record(context, outcome.rule, .partial, bytes: delivered,
                   detail: "response cut after \(delivered) of \(bytes.count) bytes")
            cutError = error.storeError(.read, key: key, rule: outcome.rule,
                                        what: "the connection broke after \(delivered) of \(bytes.count) bytes of the response")
        }
        if let limit = started.decision.bandwidth {
            try await pace(delivered, limit, context)
        }
        if let cutError { throw cutError }
        if let outcome = started.decision.outcome, case .corrupt(let count) = outcome.fault, !bytes.isEmpty {
            var flipped = bytes
            let positions = Self.corrupt(&flipped, base: 0, count: count, total: UInt64(bytes.count), entropy: outcome.entropy)
            record(context, outcome.rule, .corrupt, bytes: UInt64(positions.count),
                   detail: "flipped \(positions.count) byte(s) of the response at \(positions.map { range.lowerBound + $0 })")
            return flipped
        }
        return bytes
    }

    /// Flips the bytes of `chunk` (which starts at `base` of an object of `total` bytes) that
    /// lie at the positions a `corrupt` fault draws from `entropy`; returns the flipped
    /// positions (relative to the object).
    static func corrupt(_ chunk: inout [UInt8], base: UInt64, count: Int, total: UInt64, entropy: UInt64) -> [UInt64] {
        guard total > 0 else { return [] }
        var flipped: [UInt64] = []
        var state = entropy
        for _ in 0..<count {
            state = FaultHash.combine(state, 5)
            let position = state % total
            // Each flip XORs a non-zero mask: the byte always changes.
            let mask = UInt8(truncatingIfNeeded: (state >> 32) % 255 + 1)
            if position >= base, position < base + UInt64(chunk.count) {
                chunk[Int(position - base)] ^= mask
                flipped.append(position)
            }
        }
        return flipped
    }

    public func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        if bypasses(.stat) { return try await inner.stat(key: key) }
        guard let started = begin(.stat, key: key, offset: 0) else { return try await inner.stat(key: key) }
        try await applyBefore(started.decision, started.context(.stat, key: key, offset: nil))
        return try await inner.stat(key: key)
    }

    public func delete(key: String) async throws(ObjectStoreError) {
        if bypasses(.delete) { return try await inner.delete(key: key) }
        guard let started = begin(.delete, key: key, offset: 0) else { return try await inner.delete(key: key) }
        let context = started.context(.delete, key: key, offset: nil)
        try await applyBefore(started.decision, context)
        try await inner.delete(key: key)
        if let outcome = started.decision.outcome, case .ackLost(let error) = outcome.fault {
            record(context, outcome.rule, .ackLost, detail: "deleted, then reported \(error.code)")
            throw error.storeError(.delete, key: key, rule: outcome.rule, what: "the object was deleted but the response was lost")
        }
    }

    public func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        if bypasses(.list) { return try await inner.list(prefix: prefix) }
        guard let started = begin(.list, key: prefix, offset: 0) else { return try await inner.list(prefix: prefix) }
        try await applyBefore(started.decision, started.context(.list, key: prefix, offset: nil))
        return try await inner.list(prefix: prefix)
    }

    /// The inner store's incomplete uploads, and the uploads an injected failure left open
    /// (a `partial` cut, or an `error`, `hang` or `crash` at close) that nobody aborted yet.
    public func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        let own = leftOpen.withLock { $0.values.map(\.upload) }.filter { $0.key.hasPrefix(prefix) }
        let inner = try await inner.incompleteUploads(prefix: prefix)
        return (inner + own).sorted { ($0.key, $0.uploadID) < ($1.key, $1.uploadID) }
    }

    /// Aborts an upload an injected failure left open, or forwards to the inner store.
    ///
    /// - Errors: the inner writer's abort failure, or the inner store's error.
    public func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        if let entry = leftOpen.withLock({ $0.removeValue(forKey: upload.uploadID) }) {
            await entry.writer.abort()
            if let failure = entry.writer.abortFailure { throw failure }
            return
        }
        try await inner.abortIncompleteUpload(upload)
    }

    private struct LeftOpen {
        var upload: IncompleteUpload
        var writer: any ObjectWriter
    }

    private let leftOpen = Mutex<[String: LeftOpen]>([:])

    func rememberIncompleteUpload(_ upload: IncompleteUpload, writer: any ObjectWriter) {
        leftOpen.withLock { $0[upload.uploadID] = LeftOpen(upload: upload, writer: writer) }
    }

    func forgetIncompleteUpload(_ uploadID: String) {
        _ = leftOpen.withLock { $0.removeValue(forKey: uploadID) }
    }

    /// The number of times `operation` on `key` (a read: at `offset`) has been attempted.
    public func attemptCount(_ operation: ObjectStoreError.Operation, key: String, offset: UInt64 = 0) -> Int {
        attempts.withLock { $0[AttemptKey(operation: operation, key: key, offset: offset)]?.count ?? 0 }
    }

    // MARK: Deciding and applying

    /// Who is being hit: the operation, key, offset and attempt that records carry.
    struct Context {
        var operation: ObjectStoreError.Operation
        var key: String
        var offset: UInt64?
        var attempt: Int
    }

    struct Started {
        var attempt: Int
        var decision: FaultPlan.Decision

        func context(_ operation: ObjectStoreError.Operation, key: String, offset: UInt64?) -> Context {
            Context(operation: operation, key: key, offset: offset, attempt: attempt)
        }
    }

    /// Whether no rule can hit `operation`: the whole cost of the layer for such an operation.
    @inline(__always)
    func bypasses(_ operation: ObjectStoreError.Operation) -> Bool {
        affectedOperations & (1 << UInt8(FaultPlan.operationCode(operation))) == 0
    }

    /// Counts an attempt that no rule can hit (a write of a store that has only abort rules).
    private func countAttempt(_ operation: ObjectStoreError.Operation, key: String) -> Int {
        attempts.withLock { table in
            let id = AttemptKey(operation: operation, key: key, offset: 0)
            var state = table[id] ?? AttemptState()
            state.count += 1
            table[id] = state
            return state.count
        }
    }

    /// Decides the faults of an abort of an upload of `key` (`nil` when no rule can hit aborts).
    func beginAbort(key: String) -> Started? {
        begin(.abort, key: key, offset: 0)
    }

    /// Counts the attempt and decides its faults; `nil` when no rule can hit `operation`.
    func begin(_ operation: ObjectStoreError.Operation, key: String, offset: UInt64) -> Started? {
        guard affectedOperations & (1 << UInt8(FaultPlan.operationCode(operation))) != 0 else { return nil }
        let elapsed = plan.usesWindow ? timeSource.now() - origin : .zero
        let plan = self.plan
        return attempts.withLock { table in
            let id = AttemptKey(operation: operation, key: key, offset: offset)
            var state = table[id] ?? AttemptState()
            state.count += 1
            let decision = plan.decide(FaultPlan.Attempt(
                operation: operation, key: key, offset: offset, attempt: state.count,
                elapsed: elapsed, priorHits: state.hits))
            if plan.usesMaxCount {
                for rule in decision.rules { state.hits[rule, default: 0] += 1 }
            }
            table[id] = state
            return Started(attempt: state.count, decision: decision)
        }
    }

    /// Applies the faults that act before an operation reaches the store: latency, then an
    /// error, hang or crash.
    func applyBefore(_ decision: FaultPlan.Decision, _ context: Context) async throws(ObjectStoreError) {
        for latency in decision.latencies {
            record(context, latency.rule, .latency, delay: latency.delay, detail: "delayed \(DurationText(latency.delay))")
            try await sleep(latency.delay, context)
        }
        guard let outcome = decision.outcome else { return }
        switch outcome.fault {
        case .error(let error):
            record(context, outcome.rule, .error, detail: error.code.rawValue)
            throw error.storeError(context.operation, key: context.key, rule: outcome.rule, what: "the store answered \(error.code)")
        case .hang(let limit):
            try await hang(limit, rule: outcome.rule, context)
        case .crash:
            try crash(rule: outcome.rule, context)
        default:
            break
        }
    }

    /// Suspends until the caller's task is cancelled or the hang's limit passes.
    func hang(_ limit: Duration?, rule: Int, _ context: Context) async throws(ObjectStoreError) {
        let limit = limit ?? hangLimit
        record(context, rule, .hang, detail: "hung (at most \(DurationText(limit)))")
        try await sleep(limit, context)
        throw ObjectStoreError(
            code: .timeout, operation: context.operation, key: context.key,
            message: "\(context.operation) '\(context.key)': no response within \(DurationText(limit)) (hang injected by rule \(rule))")
    }

    /// Records a crash and calls the crash handler; throws if the handler returns.
    func crash(rule: Int, _ context: Context) throws(ObjectStoreError) {
        let entry = makeRecord(context, rule, .crash, bytes: 0, delay: nil, detail: "process crashed")
        trace.record(entry)
        crashHandler(entry)
        throw ObjectStoreError(
            code: .injectedCrash, operation: context.operation, key: context.key,
            message: "\(context.operation) '\(context.key)': the process crashed here (crash injected by rule \(rule))")
    }

    /// Paces `bytes` at `limit`'s rate and records it.
    func pace(_ bytes: UInt64, _ limit: FaultPlan.Decision.RateLimit, _ context: Context) async throws(ObjectStoreError) {
        let delay = Duration.seconds(rounding: Double(bytes) / Double(limit.bytesPerSecond))
        record(context, limit.rule, .bandwidth, bytes: bytes, delay: delay, detail: "paced at \(limit.bytesPerSecond) B/s")
        try await sleep(delay, context)
    }

    /// Sleeps on the time source; cancellation becomes a `cancelled` store error.
    func sleep(_ duration: Duration, _ context: Context) async throws(ObjectStoreError) {
        do {
            try await timeSource.sleep(for: duration)
        } catch {
            throw .cancelled(context.operation, key: context.key)
        }
    }

    func record(_ context: Context, _ rule: Int, _ kind: FaultKind, bytes: UInt64 = 0, delay: Duration? = nil, detail: String) {
        trace.record(makeRecord(context, rule, kind, bytes: bytes, delay: delay, detail: detail))
    }

    private func makeRecord(_ context: Context, _ rule: Int, _ kind: FaultKind, bytes: UInt64, delay: Duration?, detail: String) -> FaultRecord {
        FaultRecord(rule: rule, kind: kind, operation: context.operation, key: context.key, offset: context.offset,
                    attempt: context.attempt, bytesAffected: bytes, delaySeconds: delay?.secondsDouble, detail: detail)
    }
}

extension ObjectStoreError.Code {
    /// The process would have crashed here (a `crash` fault whose handler returned).
    public static let injectedCrash: Self = "InjectedCrash"
}
