import ObjectStore

/// An object store whose every call ends by a ``RunDeadline``, whatever the store underneath
/// does.
///
/// Each call runs in a task of its own that is cancelled at the deadline (cancellation reaches
/// the S3 store's libcurl transfers) or when the caller is cancelled; the caller gets
/// ``ObjectStoreError/Code/cancelled`` at once and never waits for a call that ignores
/// cancellation (an S3 multipart abort, which runs to completion by design). A call that starts
/// after the deadline fails without reaching the store. Writers are wrapped the same way, so a
/// flush's clean-up after the time limit is bounded by the clean-up budget, and an abort cut off
/// reports itself through ``ObjectWriter/abortFailure`` (the cache then records a known orphan).
final class DeadlineStore: ObjectStore {
    let inner: any ObjectStore
    let deadline: RunDeadline

    init(wrapping inner: any ObjectStore, deadline: RunDeadline) {
        self.inner = inner
        self.deadline = deadline
    }

    var kind: String { inner.kind }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        let inner = self.inner
        let writer = try await bounded(.write, key: key) { () async throws(ObjectStoreError) in
            try await inner.makeWriter(key: key, options: options)
        }
        return DeadlineWriter(inner: writer, key: key, store: self)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        let inner = self.inner
        return try await bounded(.read, key: key) { () async throws(ObjectStoreError) in try await inner.read(key: key, range: range) }
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        let inner = self.inner
        return try await bounded(.stat, key: key) { () async throws(ObjectStoreError) in try await inner.stat(key: key) }
    }

    func delete(key: String) async throws(ObjectStoreError) {
        let inner = self.inner
        try await bounded(.delete, key: key) { () async throws(ObjectStoreError) in try await inner.delete(key: key) }
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        let inner = self.inner
        return try await bounded(.list, key: prefix) { () async throws(ObjectStoreError) in try await inner.list(prefix: prefix) }
    }

    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        let inner = self.inner
        return try await bounded(.list, key: prefix) { () async throws(ObjectStoreError) in try await inner.incompleteUploads(prefix: prefix) }
    }

    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        let inner = self.inner
        try await bounded(.delete, key: upload.key) { () async throws(ObjectStoreError) in try await inner.abortIncompleteUpload(upload) }
    }

    func checkAccess(prefix: String) async throws(ObjectStoreError) {
        let inner = self.inner
        try await bounded(.list, key: prefix) { () async throws(ObjectStoreError) in try await inner.checkAccess(prefix: prefix) }
    }

    /// Runs `body` until the deadline current at the call's start.
    ///
    /// - Errors: `body`'s error; ``ObjectStoreError/Code/cancelled`` when the deadline passed
    ///   or the caller was cancelled first.
    func bounded<T: Sendable>(_ operation: ObjectStoreError.Operation, key: String?,
                              _ body: @escaping @Sendable () async throws(ObjectStoreError) -> T) async throws(ObjectStoreError) -> T {
        let until = deadline.current
        guard ContinuousClock.now < until else { throw cutOff(operation, key: key, started: false) }
        let outcome = await PhaseBudget.value(until: until) { () async -> Result<T, ObjectStoreError> in
            do throws(ObjectStoreError) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else {
            if Task.isCancelled { throw ObjectStoreError.cancelled(operation, key: key) }
            throw cutOff(operation, key: key, started: true)
        }
        return try outcome.get()
    }

    private func cutOff(_ operation: ObjectStoreError.Operation, key: String?, started: Bool) -> ObjectStoreError {
        let what = "\(operation) '\(key ?? "")' on the \(inner.kind) store"
        return ObjectStoreError(
            code: .cancelled, operation: operation, key: key,
            message: started ? "\(what) was cut off: the store did not answer before the run's time limit (timeLimit, then cleanupTimeLimit)"
                : "\(what) was not started: the run's time limit (timeLimit, then cleanupTimeLimit) has passed")
    }
}

/// A writer whose calls end by its store's deadline (see ``DeadlineStore``).
final class DeadlineWriter: ObjectWriter {
    private let inner: any ObjectWriter
    private let key: String
    private let store: DeadlineStore
    private let cutOffAbort = Locked<ObjectStoreError?>(nil)

    init(inner: any ObjectWriter, key: String, store: DeadlineStore) {
        self.inner = inner
        self.key = key
        self.store = store
    }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        let inner = self.inner
        try await store.bounded(.write, key: key) { () async throws(ObjectStoreError) in try await inner.write(chunk) }
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        let inner = self.inner
        return try await store.bounded(.write, key: key) { () async throws(ObjectStoreError) in try await inner.close() }
    }

    /// Aborts within the deadline, even from a cancelled task (an abort is clean-up); an abort
    /// cut off is reported by ``abortFailure``.
    func abort() async {
        let inner = self.inner
        let finished = await Task { () async -> Bool in
            do throws(ObjectStoreError) {
                try await store.bounded(.write, key: key) { () async throws(ObjectStoreError) in await inner.abort() }
                return true
            } catch {
                cutOffAbort.withLock { $0 = error }
                return false
            }
        }.value
        if finished { cutOffAbort.withLock { $0 = nil } }
    }

    var abortFailure: ObjectStoreError? {
        cutOffAbort.withLock { $0 } ?? inner.abortFailure
    }
}
