import Synchronization

/// Faults a test can make the S3 client see (never set outside tests).
struct S3InjectedFaults: Sendable {
    /// Multipart creates still to come whose reply is lost after the server performed them.
    var lostCreateReplies = 0
    /// AbortMultipartUpload requests still to come that fail with an InternalError.
    var failingAborts = 0
}

extension S3Store {
    /// Aborts every incomplete multipart upload of `key` after a failed write: the one the
    /// writer knows (`known`) and any it never learned of (a create whose reply was lost), as
    /// found by ListMultipartUploads for the key.
    ///
    /// Repeats aborting and listing up to ``abortAttempts`` times: a part the server was still
    /// receiving when the abort arrived can bring an upload back (S3 documents that an abort may
    /// need repeating). Runs to completion whatever the caller's cancellation state (callers run
    /// it in a task of its own).
    ///
    /// - Returns: `nil` when no upload of the key is left; else an error whose
    ///   ``ObjectStoreError/leftovers`` lists the uploads (with ids) that are still there, for the
    ///   caller to record as known orphans.
    func abortUploads(ofKey key: String, known: String?) async -> ObjectStoreError? {
        var pending: [String] = known.map { [$0] } ?? []
        var listed = false
        var lastFailure: ObjectStoreError?
        for attempt in 1...Self.abortAttempts {
            for uploadID in pending {
                do {
                    try await abortIncompleteUpload(IncompleteUpload(key: key, uploadID: uploadID))
                } catch {
                    lastFailure = error
                }
            }
            do {
                let found = try await incompleteUploads(prefix: key).filter { $0.key == key }.map(\.uploadID)
                listed = true
                if found.isEmpty { return nil }
                pending = found
            } catch {
                lastFailure = error
            }
            if attempt < Self.abortAttempts { try? await Task.sleep(for: .milliseconds(100 * attempt)) }
        }
        let uploads = pending.map { IncompleteUpload(key: key, uploadID: $0) }
        let ids = pending.isEmpty ? "" : " (upload ids \(pending.joined(separator: ", ")))"
        let why = lastFailure.map { ": \($0.message)" } ?? ": they were still listed after each abort"
        return ObjectStoreError(
            code: lastFailure?.code ?? .internalError, operation: .write, key: key,
            message: "aborting the incomplete multipart uploads of \(errors.target(key))\(ids) failed after \(Self.abortAttempts) attempts\(why); record them for garbage collection",
            cause: lastFailure, leftovers: WriteLeftovers(uploads: uploads, mayHaveMore: !listed))
    }

    /// Rounds of abort-and-list before an incomplete upload is reported as left behind.
    static let abortAttempts = 4

    /// Whether a test made this abort fail (before it is sent).
    func abortFailsByInjection() -> Bool {
        injectedFaults.withLock { faults in
            guard faults.failingAborts > 0 else { return false }
            faults.failingAborts -= 1
            return true
        }
    }

    /// Whether a test made this create's reply get lost (the server performed it).
    func createReplyIsLost() -> Bool {
        injectedFaults.withLock { faults in
            guard faults.lostCreateReplies > 0 else { return false }
            faults.lostCreateReplies -= 1
            return true
        }
    }
}
