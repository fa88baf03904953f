import FaultInjection
import ObjectStore
import Platform
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A crash trial's death point: the operation (counted from 1 over the cache's store calls and
/// its file-layer changes: creations, writes, fsyncs, renames, unlinks) at which the process
/// ends, and the count of operations so far (a run that was not ended reports how many it made).
///
/// At a death on a file write, ``cut`` (or, when only ``cutSeed`` is given, a number drawn from
/// it below the write's size) bytes of that write reach the disk first: a death inside a write.
/// In power mode ``setBeforeDeath(_:)`` installs the roll-back of the disk to what was durable,
/// run just before the process exits.
public final class CrashPoint: Sendable {
    /// The operation to die at (with ``dieOn``: the ordinal among operations of that kind);
    /// `nil` only counts.
    public let dieAt: Int?
    /// Counts ``dieAt`` among operations of this kind only (`fsync`, `file write`, `write`, ...):
    /// "the 37th fsync" names the same step at any interleaving of concurrent flushes.
    public let dieOn: String?
    /// Bytes of the dying write that reach the disk (clamped to its size).
    public let cut: Int?
    /// Draws the cut of the dying write when ``cut`` is `nil`.
    public let cutSeed: UInt64?
    private let count = Atomic<Int>(0)
    private let kinds = Mutex<[String: Int]>([:])
    private let beforeDeath = Mutex<(@Sendable () -> Void)?>(nil)

    /// A death point at operation `dieAt` (or none, to count a whole run's operations).
    public init(dieAt: Int?, dieOn: String? = nil, cut: Int? = nil, cutSeed: UInt64? = nil) {
        self.dieAt = dieAt
        self.dieOn = dieOn
        self.cut = cut
        self.cutSeed = cutSeed
    }

    /// Operations counted so far.
    public var operations: Int { count.load(ordering: .relaxed) }

    /// Installs what runs just before the process exits at the death point (power mode's roll-back).
    public func setBeforeDeath(_ body: @escaping @Sendable () -> Void) {
        beforeDeath.withLock { $0 = body }
    }

    /// Runs the hook installed by ``setBeforeDeath(_:)``, if any (also before a `crash` rule's exit).
    public func runBeforeDeath() {
        beforeDeath.withLock { $0 }?()
    }

    /// Counts one operation: its index, the ordinal of its kind (`3` for the third fsync), and
    /// whether it is the one to die at.
    private func next(_ operation: String) -> (index: Int, ordinal: Int, chosen: Bool) {
        let index = count.add(1, ordering: .relaxed).newValue
        guard let dieAt else { return (index, 0, false) }
        let ordinal = kinds.withLock { kinds -> Int in
            kinds[operation, default: 0] += 1
            return kinds[operation]!
        }
        let chosen = dieOn.map { $0 == operation && ordinal == dieAt } ?? (index == dieAt)
        return (index, ordinal, chosen)
    }

    /// Counts one operation and ends the process if it is the chosen one.
    func tick(_ operation: String, _ key: String) {
        let (index, ordinal, chosen) = next(operation)
        guard chosen else { return }
        die("operation \(index) (\(operation) '\(key)', #\(ordinal) of its kind)")
    }

    /// Counts a file write of `size` bytes: `nil` to go on, or the bytes to write before
    /// ``die(_:)`` when it is the chosen operation.
    func tickWrite(_ key: String, size: Int) -> (cut: Int, description: String)? {
        let (index, ordinal, chosen) = next("file write")
        guard chosen else { return nil }
        let cut = min(size, self.cut ?? cutSeed.map { Int(SplitMix64.mix($0) % UInt64(size + 1)) } ?? size)
        return (cut, "operation \(index) (file write '\(key)', #\(ordinal) of its kind, at byte \(cut) of \(size))")
    }

    /// Runs the roll-back hook, names the death on standard error and exits with status 86 at
    /// once (no clean-up, no buffered output, no atexit handlers).
    func die(_ description: String) -> Never {
        runBeforeDeath()
        let line = "flushbench: crash trial: died at \(description)\n"
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
