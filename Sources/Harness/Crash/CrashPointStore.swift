import FaultInjection
import ObjectStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A crash trial's death point: the store operation (counted from 1) at which the process
/// ends, and the count of operations so far (a run that was not ended reports how many it made).
public final class CrashPoint: Sendable {
    /// The operation to die at; `nil` only counts.
    public let dieAt: Int?
    private let count = Atomic<Int>(0)

    /// A death point at operation `dieAt` (or none, to count a whole run's operations).
    public init(dieAt: Int?) {
        self.dieAt = dieAt
    }

    /// Store operations counted so far.
    public var operations: Int { count.load(ordering: .relaxed) }

    /// Counts one operation and ends the process if it is the chosen one.
    func tick(_ operation: String, _ key: String) {
        let index = count.add(1, ordering: .relaxed).newValue
        guard index == dieAt else { return }
        let line = "flushbench: crash trial: died at store operation \(index) (\(operation) '\(key)')\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(FaultyStore.crashExitStatus)
    }
}

/// A store that counts the cache's operations on a ``CrashPoint`` and ends the process at its
/// chosen one, before that operation starts.
///
/// Every call of the cache into the store counts (writer creation, each written part, each
/// close, read, stat, delete, list, incomplete-upload listing and abort), numbered from 1.
/// At the chosen one the process prints one line on standard error and calls `_exit(86)` (no
/// clean-up, no buffered output, no atexit handlers: as abrupt as SIGKILL for what is on disk).
final class CrashPointStore: ObjectStore {
    let inner: any ObjectStore
    let point: CrashPoint

    init(wrapping inner: any ObjectStore, point: CrashPoint) {
        self.inner = inner
        self.point = point
    }

    func tick(_ operation: String, _ key: String) {
        point.tick(operation, key)
    }

    var kind: String { inner.kind }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        tick("create writer", key)
        return CrashPointWriter(inner: try await inner.makeWriter(key: key, options: options), key: key, store: self)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        tick("read", key)
        return try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        tick("stat", key)
        return try await inner.stat(key: key)
    }

    func delete(key: String) async throws(ObjectStoreError) {
        tick("delete", key)
        try await inner.delete(key: key)
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        tick("list", prefix)
        return try await inner.list(prefix: prefix)
    }

    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        tick("list uploads", prefix)
        return try await inner.incompleteUploads(prefix: prefix)
    }

    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        tick("abort upload", upload.key)
        try await inner.abortIncompleteUpload(upload)
    }
}

/// A writer whose parts and close count as operations of its ``CrashPointStore``.
private final class CrashPointWriter: ObjectWriter {
    let inner: any ObjectWriter
    let key: String
    let store: CrashPointStore

    init(inner: any ObjectWriter, key: String, store: CrashPointStore) {
        self.inner = inner
        self.key = key
        self.store = store
    }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        store.tick("write", key)
        try await inner.write(chunk)
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        store.tick("close", key)
        return try await inner.close()
    }

    func abort() async {
        await inner.abort()
    }

    var abortFailure: ObjectStoreError? { inner.abortFailure }
}
