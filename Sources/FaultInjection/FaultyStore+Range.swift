public import ObjectStore
public import Platform

/// The range transfers through a ``FaultyStore``: forwarded to the inner store's own (so an
/// S3 or file-system store keeps its zero-copy path), with every fault kind injected.
///
/// An upload of a range is one `write` attempt of its key and a read into a file one `read`
/// attempt at its range's start, numbered and decided exactly as the writer and reader paths
/// are, and recorded with the same trace records: the same seed gives the same trace whichever
/// path the caller takes. How each kind acts:
/// - `latency`: before the transfer starts (a read: also `error`, `hang`, `crash`).
/// - `error`, `hang`, `crash` on an upload: through the writer path, after the range is sent,
///   leaving the upload open, exactly as a writer's commit meets them.
/// - `bandwidth`: the transfer is paced at the rule's rate (the range's bytes; for a read, the
///   bytes delivered).
/// - `partial`: an upload sends the range up to the cut through an inner writer that is left
///   open (listed by ``incompleteUploads(prefix:)`` until aborted), then fails, as the writer
///   path does; a read delivers the range up to the cut, then fails.
/// - `torn`: the inner store receives the range up to the cut, the caller is told the whole
///   range was stored (with the whole range's SHA-256 where the store reports one).
/// - `ackLost`: the transfer is committed, then an error is reported.
/// - `corrupt`: an upload goes through the writer path (which flips the bytes it sends); a read
///   flips the same bytes of what landed in the file as the reader path flips in memory.
extension FaultyStore {
    public func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        if bypasses(.write) { return try await inner.upload(from: file, range: range, key: key, options: options) }
        guard let started = begin(.write, key: key, offset: 0), !started.decision.isEmpty else {
            return try await inner.upload(from: file, range: range, key: key, options: options)
        }
        let decision = started.decision
        let total = UInt64(range.count)
        if let outcome = decision.outcome, outcome.fault.kind != .torn, outcome.fault.kind != .ackLost {
            // Partial, corrupt, error, hang and crash act as on the writer path: after the bytes
            // are sent (a store answers an error after the body), leaving the upload open, so
            // the bytes a failed attempt wasted and what it leaves behind are the same.
            var options = options
            options.expectedSize = total
            let writer = FaultyWriter(store: self, inner: try await inner.makeWriter(key: key, options: options), key: key,
                                      attempt: started.attempt, decision: decision, expectedSize: total)
            return try await writer.upload(from: file, range: range, key: key, blockSize: options.partSize, progress: options.progress)
        }
        let context = started.context(.write, key: key, offset: nil)
        if let limit = decision.bandwidth, total > 0 {
            try await pace(total, limit, context)
        }
        try await applyBefore(decision, context)
        guard let outcome = decision.outcome else {
            return try await inner.upload(from: file, range: range, key: key, options: options)
        }
        switch outcome.fault {
        case .torn(let cut):
            let kept = cut.offset(total: total)
            let info = try await inner.upload(from: file, range: range.lowerBound..<(range.lowerBound + kept), key: key, options: options)
            record(context, outcome.rule, .torn, bytes: total - kept, detail: "kept \(kept) of \(total) bytes")
            // The client sent the whole range; the store dropped the rest.
            options.progress?.add(total - kept)
            var checksum = info.checksum
            if checksum?.algorithm == "sha256" {
                checksum = try await sha256(of: file, range: range, key: key)
            }
            return ObjectInfo(key: info.key, size: total, checksum: checksum)
        case .ackLost(let error):
            let info = try await inner.upload(from: file, range: range, key: key, options: options)
            record(context, outcome.rule, .ackLost, bytes: info.size, detail: "committed, then reported \(error.code)")
            throw error.storeError(.write, key: key, rule: outcome.rule, what: "the upload was committed but the response was lost")
        default:
            return try await inner.upload(from: file, range: range, key: key, options: options)
        }
    }

    public func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        if bypasses(.read) { return try await inner.read(key: key, range: range, into: file, at: offset) }
        guard let started = begin(.read, key: key, offset: range.lowerBound) else {
            return try await inner.read(key: key, range: range, into: file, at: offset)
        }
        let context = started.context(.read, key: key, offset: range.lowerBound)
        try await applyBefore(started.decision, context)
        guard let outcome = started.decision.outcome, case .partial(let cut, let error) = outcome.fault else {
            if let outcome = started.decision.outcome, case .corrupt(let count) = outcome.fault {
                return try await corruptRead(key: key, range: range, into: file, at: offset, flips: count, entropy: outcome.entropy,
                                             rule: outcome.rule, bandwidth: started.decision.bandwidth, context: context)
            }
            let written = try await inner.read(key: key, range: range, into: file, at: offset)
            if let limit = started.decision.bandwidth { try await pace(written, limit, context) }
            return written
        }
        // Only the range up to the cut is fetched. When the object ends before it, the cut is
        // taken of what the object holds, as the reader path takes it of the bytes returned.
        let shortened = range.lowerBound..<(range.lowerBound + cut.offset(total: UInt64(range.count)))
        let written = try await inner.read(key: key, range: shortened, into: file, at: offset)
        let available = written < UInt64(shortened.count) ? written : UInt64(range.count)
        let delivered = written < UInt64(shortened.count) ? cut.offset(total: written) : written
        record(context, outcome.rule, .partial, bytes: delivered, detail: "response cut after \(delivered) of \(available) bytes")
        let failure = error.storeError(.read, key: key, rule: outcome.rule,
                                       what: "the connection broke after \(delivered) of \(available) bytes of the response")
        if let limit = started.decision.bandwidth { try await pace(delivered, limit, context) }
        throw failure
    }

    /// A read that a `corrupt` fault hits: the range is fetched into memory, the bytes the
    /// fault picks are flipped exactly as the reader path flips them, and the result is written
    /// into `file` (which may be open for writing only, so it is never read back).
    private func corruptRead(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64, flips: Int, entropy: UInt64,
                             rule: Int, bandwidth: FaultPlan.Decision.RateLimit?, context: Context) async throws(ObjectStoreError) -> UInt64 {
        var bytes = try await inner.read(key: key, range: range)
        if let bandwidth { try await pace(UInt64(bytes.count), bandwidth, context) }
        guard !bytes.isEmpty else { return 0 }
        let positions = FaultyStore.corrupt(&bytes, base: 0, count: flips, total: UInt64(bytes.count), entropy: entropy)
        record(context, rule, .corrupt, bytes: UInt64(positions.count),
               detail: "flipped \(positions.count) byte(s) of the response at \(positions.map { range.lowerBound + $0 })")
        let flipped = bytes
        do {
            try await BlockingIO.run { try file.write(flipped, at: offset) }
        } catch {
            throw ObjectStoreError(code: .io, operation: .read, key: key,
                                   message: "read of '\(key)' into the local file '\(file.path)' failed: \(error)", cause: error)
        }
        return UInt64(flipped.count)
    }

    /// The whole-range SHA-256 a torn upload reports (the caller believes all of it was stored).
    private func sha256(of file: LocalFile, range: Range<UInt64>, key: String) async throws(ObjectStoreError) -> Checksum {
        do {
            return try await BlockingIO.run {
                try SHA256Accumulator.digest(of: range) { (offset, count) throws(LocalFileError) in try file.read(at: offset, count: count) }.checksum
            }
        } catch {
            throw ObjectStoreError(code: .io, operation: .write, key: key,
                                   message: "upload to '\(key)': reading the local file '\(file.path)' failed: \(error)", cause: error)
        }
    }
}
