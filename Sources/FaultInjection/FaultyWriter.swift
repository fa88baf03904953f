import ObjectStore
import Platform
import Synchronization

/// A write through a ``FaultyStore`` that some fault hit: cuts, tears, paces or fails the
/// upload of the inner store's writer.
///
/// Chunks reach the inner writer as they come, except past a cut: a `partial` write forwards
/// the prefix and then fails (every later call fails the same way; the inner upload stays open
/// until the caller aborts, like an S3 multipart upload with some parts done); a `torn` write
/// forwards the prefix, drops the rest and acknowledges the whole. A cut given as a fraction
/// needs the object's size: taken from `WriteOptions.expectedSize`, or, when that is unknown,
/// the chunks are held until `close()` and cut there.
///
/// An upload that an injected failure left open is listed by the store's
/// ``FaultyStore/incompleteUploads(prefix:)`` until it is aborted.
final class FaultyWriter: ObjectWriter {
    private enum Mode {
        /// Forward everything.
        case through
        /// Forward the first `limit` bytes.
        case cut(limit: UInt64)
        /// Hold every chunk until close, where the size and so the cut are known.
        case hold(Cut)
    }

    private struct State {
        var mode: Mode
        var held: [UInt8] = []
        var received: UInt64 = 0
        var forwarded: UInt64 = 0
        var fullChecksum: SHA256Accumulator?
        var failure: ObjectStoreError?
        var paced: UInt64 = 0
        var finished = false
        /// Object positions a `corrupt` fault flipped so far.
        var flipped: [UInt64] = []
        /// The object size a `corrupt` fault draws its positions from (the first chunk's size
        /// when the writer was not told the object's size).
        var corruptTotal: UInt64?
        /// The error an injected abort failure reported.
        var abortFailure: ObjectStoreError?
    }

    private let store: FaultyStore
    private let inner: any ObjectWriter
    private let key: String
    private let context: FaultyStore.Context
    private let decision: FaultPlan.Decision
    private let state: Mutex<State>

    init(store: FaultyStore, inner: any ObjectWriter, key: String, attempt: Int,
         decision: FaultPlan.Decision, expectedSize: UInt64?) {
        self.store = store
        self.inner = inner
        self.key = key
        self.context = FaultyStore.Context(operation: .write, key: key, offset: nil, attempt: attempt)
        self.decision = decision
        var mode = Mode.through
        var hashesEverything = false
        switch decision.outcome?.fault {
        case .partial(let cut, _), .torn(let cut):
            if case .afterFraction = cut, expectedSize == nil {
                mode = .hold(cut)
            } else {
                mode = .cut(limit: cut.offset(total: expectedSize ?? .max))
            }
            if case .torn = decision.outcome?.fault { hashesEverything = true }
        case .corrupt:
            hashesEverything = true
        default:
            break
        }
        self.state = Mutex(State(mode: mode, fullChecksum: hashesEverything ? SHA256Accumulator() : nil, corruptTotal: expectedSize))
    }

    var abortFailure: ObjectStoreError? { state.withLock { $0.abortFailure } ?? inner.abortFailure }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        let (mode, failure) = state.withLock { ($0.mode, $0.failure) }
        if let failure { throw failure }
        if let limit = decision.bandwidth {
            let delay = Duration.seconds(rounding: Double(chunk.count) / Double(limit.bytesPerSecond))
            try await store.sleep(delay, context)
            state.withLock { $0.paced += UInt64(chunk.count) }
        }
        switch mode {
        case .through:
            guard let outcome = decision.outcome, case .corrupt(let count) = outcome.fault else {
                try await inner.write(chunk)
                state.withLock { $0.received += UInt64(chunk.count) }
                return
            }
            var sent = chunk
            state.withLock { state in
                state.fullChecksum?.update(chunk)
                let total = state.corruptTotal ?? UInt64(chunk.count)
                state.corruptTotal = total
                state.flipped += FaultyStore.corrupt(&sent, base: state.received, count: count, total: total, entropy: outcome.entropy)
                state.received += UInt64(chunk.count)
            }
            try await inner.write(sent)
        case .hold:
            state.withLock { state in
                state.held.append(contentsOf: chunk)
                state.received += UInt64(chunk.count)
                state.fullChecksum?.update(chunk)
            }
        case .cut(let limit):
            let forwarded = state.withLock { state in
                state.fullChecksum?.update(chunk)
                return state.forwarded
            }
            let take = Int(min(UInt64(chunk.count), limit > forwarded ? limit - forwarded : 0))
            if take > 0 {
                try await inner.write(take == chunk.count ? chunk : Array(chunk[..<take]))
            }
            state.withLock { state in
                state.forwarded += UInt64(take)
                state.received += UInt64(chunk.count)
            }
            if take < chunk.count, let outcome = decision.outcome, case .partial(_, let error) = outcome.fault {
                throw failPartial(rule: outcome.rule, error)
            }
        }
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        let (mode, failure) = state.withLock { ($0.mode, $0.failure) }
        if let failure { throw failure }
        if case .hold(let cut) = mode {
            let (held, total) = state.withLock { state in
                let taken = (state.held, state.received)
                state.held = []
                return taken
            }
            let limit = cut.offset(total: total)
            if limit > 0 { try await inner.write(limit == total ? held : Array(held[..<Int(limit)])) }
            state.withLock { $0.forwarded = limit }
        }
        defer { recordPacing() }
        if let outcome = decision.outcome, case .partial(_, let error) = outcome.fault {
            throw failPartial(rule: outcome.rule, error)
        }
        for latency in decision.latencies {
            store.record(context, latency.rule, .latency, delay: latency.delay, detail: "delayed \(DurationText(latency.delay))")
            try await store.sleep(latency.delay, context)
        }
        guard let outcome = decision.outcome else { return try await finish() }
        switch outcome.fault {
        case .error(let error):
            store.record(context, outcome.rule, .error, detail: error.code.rawValue)
            leaveOpen()
            throw error.storeError(.write, key: key, rule: outcome.rule, what: "the store answered \(error.code) to the upload")
        case .hang(let limit):
            leaveOpen()
            try await store.hang(limit, rule: outcome.rule, context)
        case .crash:
            leaveOpen()
            try store.crash(rule: outcome.rule, context)
        case .torn:
            let info = try await finish()
            let (received, forwarded, full) = state.withLock { ($0.received, $0.forwarded, $0.fullChecksum?.finalize()) }
            store.record(context, outcome.rule, .torn, bytes: received - forwarded,
                         detail: "kept \(forwarded) of \(received) bytes")
            let checksum = info.checksum.map { $0.algorithm == "sha256" ? (full ?? $0) : $0 }
            return ObjectInfo(key: info.key, size: received, checksum: checksum)
        case .corrupt:
            let info = try await finish()
            let (flipped, full) = state.withLock { ($0.flipped, $0.fullChecksum?.finalize()) }
            store.record(context, outcome.rule, .corrupt, bytes: UInt64(flipped.count),
                         detail: "stored \(flipped.count) byte(s) flipped at \(flipped); acknowledged the bytes sent")
            let checksum = info.checksum.map { $0.algorithm == "sha256" ? (full ?? $0) : $0 }
            return ObjectInfo(key: info.key, size: info.size, checksum: checksum)
        case .ackLost(let error):
            let info = try await finish()
            store.record(context, outcome.rule, .ackLost, bytes: info.size, detail: "committed, then reported \(error.code)")
            throw error.storeError(.write, key: key, rule: outcome.rule, what: "the upload was committed but the response was lost")
        default:
            break
        }
        return try await finish()
    }

    func abort() async {
        let wasOpen = state.withLock { state in
            defer { state.finished = true }
            return !state.finished
        }
        if wasOpen { recordPacing() }
        if let started = store.beginAbort(key: key), let failure = await abortFault(started) {
            // The upload stays open: listed as incomplete until an abort gets through.
            state.withLock { $0.abortFailure = failure }
            leaveOpen()
            return
        }
        state.withLock { $0.abortFailure = nil }
        store.forgetIncompleteUpload(uploadID)
        await inner.abort()
    }

    /// Applies the faults of an abort: latency, then an error, a hang or a crash, each of which
    /// makes the abort fail. Cancellation does not interrupt it (an abort is clean-up).
    private func abortFault(_ started: FaultyStore.Started) async -> ObjectStoreError? {
        let context = FaultyStore.Context(operation: .abort, key: key, offset: nil, attempt: started.attempt)
        for latency in started.decision.latencies {
            store.record(context, latency.rule, .latency, delay: latency.delay, detail: "delayed \(DurationText(latency.delay))")
            try? await store.timeSource.sleep(for: latency.delay)
        }
        guard let outcome = started.decision.outcome else { return nil }
        switch outcome.fault {
        case .error(let error):
            store.record(context, outcome.rule, .error, detail: error.code.rawValue)
            return error.storeError(.abort, key: key, rule: outcome.rule, what: "the store answered \(error.code) to the abort; the upload stays open")
        case .hang(let limit):
            do throws(ObjectStoreError) {
                try await store.hang(limit, rule: outcome.rule, context)
            } catch {
                return error
            }
            return nil
        case .crash:
            do throws(ObjectStoreError) {
                try store.crash(rule: outcome.rule, context)
            } catch {
                return error
            }
            return nil
        default:
            return nil
        }
    }

    /// The id under which a failed upload of this writer is listed as incomplete.
    var uploadID: String { "fault:\(context.attempt):\(key)" }

    /// Lists the upload as incomplete: an injected failure left it open, as an S3 multipart
    /// upload stays until somebody aborts it (this writer's `abort()`, or the store's
    /// `abortIncompleteUpload`).
    private func leaveOpen() {
        store.rememberIncompleteUpload(IncompleteUpload(key: key, uploadID: uploadID), writer: self)
    }

    /// Closes the inner writer.
    private func finish() async throws(ObjectStoreError) -> ObjectInfo {
        state.withLock { $0.finished = true }
        return try await inner.close()
    }

    /// Records the partial cut once and remembers the error every later call repeats.
    private func failPartial(rule: Int, _ error: InjectedError) -> ObjectStoreError {
        let (forwarded, received) = state.withLock { ($0.forwarded, $0.received) }
        let failure = error.storeError(.write, key: key, rule: rule,
                                       what: "the connection broke after \(forwarded) bytes of the upload were sent")
        store.record(context, rule, .partial, bytes: forwarded, detail: "cut after \(forwarded) bytes (\(received) written)")
        state.withLock { $0.failure = failure }
        leaveOpen()
        return failure
    }

    /// Records the bandwidth limit's pacing once, when the writer ends.
    private func recordPacing() {
        guard let limit = decision.bandwidth else { return }
        let paced = state.withLock { state -> UInt64 in
            defer { state.paced = 0 }
            return state.paced
        }
        guard paced > 0 else { return }
        let delay = Duration.seconds(rounding: Double(paced) / Double(limit.bytesPerSecond))
        store.record(context, limit.rule, .bandwidth, bytes: paced, delay: delay, detail: "paced at \(limit.bytesPerSecond) B/s")
    }
}
