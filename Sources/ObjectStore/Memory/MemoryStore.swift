import Foundation
import Synchronization

/// An object store held in memory: a first-class store for tests, fast benchmarks of the cache
/// itself and fault scenarios that must not depend on a disk or a network.
///
/// Objects commit atomically on ``ObjectWriter/close()``; each keeps a SHA-256 checksum that
/// ``stat(key:)`` returns. Safe to use from any number of tasks.
public final class MemoryStore: ObjectStore {
    struct Stored {
        var bytes: [UInt8]
        var checksum: Checksum
        /// When it was committed (seconds since the epoch): the listing's last-modified time.
        var modified: Double = Date().timeIntervalSince1970
    }

    struct State {
        var objects: [String: Stored] = [:]
        var openWriters = 0
    }

    public let kind = "memory"
    let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    /// The number of writers that were started and neither closed nor aborted.
    public var openWriterCount: Int { state.withLock { $0.openWriters } }

    public func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try ObjectKey.validate(key, operation: .write)
        state.withLock { $0.openWriters += 1 }
        return MemoryObjectWriter(store: self, key: key)
    }

    public func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try ObjectKey.validate(key, operation: .read)
        let object = state.withLock { $0.objects[key] }
        guard let object else { throw .notFound(.read, key: key, store: kind) }
        let size = UInt64(object.bytes.count)
        if range.lowerBound > size || (range.lowerBound == size && size > 0 && !range.isEmpty) {
            throw ObjectStoreError(code: .invalidRange, operation: .read, key: key,
                                   message: "read '\(key)' at \(range.lowerBound): the object has only \(size) bytes")
        }
        let upper = min(range.upperBound, size)
        guard range.lowerBound < upper else { return [] }
        return Array(object.bytes[Int(range.lowerBound)..<Int(upper)])
    }

    public func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .stat)
        guard let object = state.withLock({ $0.objects[key] }) else {
            throw .notFound(.stat, key: key, store: kind)
        }
        return ObjectInfo(key: key, size: UInt64(object.bytes.count), checksum: object.checksum)
    }

    public func delete(key: String) async throws(ObjectStoreError) {
        try ObjectKey.validate(key, operation: .delete)
        _ = state.withLock { $0.objects.removeValue(forKey: key) }
    }

    public func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        state.withLock { state in
            state.objects.compactMap { key, object in
                key.hasPrefix(prefix)
                    ? ObjectInfo(key: key, size: UInt64(object.bytes.count), checksum: object.checksum, lastModified: object.modified) : nil
            }
        }.sorted { $0.key < $1.key }
    }

    /// Replaces the stored bytes of `key` without a writer: for tests and fault layers that
    /// model a store keeping something other than what was acknowledged (torn writes, bit rot).
    /// The checksum stays the one of the original bytes unless `updateChecksum` is set.
    public func overwriteStoredBytes(key: String, with bytes: [UInt8], updateChecksum: Bool = false) {
        state.withLock { state in
            let checksum = updateChecksum ? Checksum.sha256(of: bytes) : (state.objects[key]?.checksum ?? Checksum.sha256(of: bytes))
            state.objects[key] = Stored(bytes: bytes, checksum: checksum)
        }
    }

    fileprivate func commit(key: String, bytes: [UInt8], checksum: Checksum) {
        state.withLock { state in
            state.objects[key] = Stored(bytes: bytes, checksum: checksum)
            state.openWriters -= 1
        }
    }

    fileprivate func writerEnded() {
        state.withLock { $0.openWriters -= 1 }
    }
}

/// Buffers one object's chunks until close.
final class MemoryObjectWriter: ObjectWriter {
    private enum Phase {
        case open(bytes: [UInt8], hasher: SHA256Accumulator)
        case closed
    }

    private let store: MemoryStore
    private let key: String
    private let phase: Mutex<Phase>

    init(store: MemoryStore, key: String) {
        self.store = store
        self.key = key
        self.phase = Mutex(.open(bytes: [], hasher: SHA256Accumulator()))
    }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        let key = self.key
        try phase.withLock { (phase) throws(ObjectStoreError) in
            guard case .open(var bytes, var hasher) = phase else {
                throw ObjectStoreError(code: .invalidArgument, operation: .write, key: key,
                                       message: "write '\(key)': the writer is already closed or aborted")
            }
            phase = .closed
            bytes.append(contentsOf: chunk)
            hasher.update(chunk)
            phase = .open(bytes: bytes, hasher: hasher)
        }
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        let key = self.key
        let (bytes, checksum) = try phase.withLock { (phase) throws(ObjectStoreError) -> ([UInt8], Checksum) in
            guard case .open(let bytes, let hasher) = phase else {
                throw ObjectStoreError(code: .invalidArgument, operation: .write, key: key,
                                       message: "close '\(key)': the writer is already closed or aborted")
            }
            phase = .closed
            return (bytes, hasher.finalize())
        }
        store.commit(key: key, bytes: bytes, checksum: checksum)
        return ObjectInfo(key: key, size: UInt64(bytes.count), checksum: checksum)
    }

    func abort() async {
        let wasOpen = phase.withLock { phase -> Bool in
            guard case .open = phase else { return false }
            phase = .closed
            return true
        }
        if wasOpen { store.writerEnded() }
    }
}
