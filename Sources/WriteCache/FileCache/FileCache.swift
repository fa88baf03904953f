public import Platform
import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The local file cache: an index of SST files on disk, bounded by capacity (LRU eviction that
/// deletes the evicted file) and optionally by time-to-idle.
///
/// It improves on the reference's `FileCache`: capacity is enforced at every insert and counts
/// files still being written; files being read or uploaded are pinned and never evicted
/// underneath; recovery skips what it cannot use instead of aborting, and removes only its own files; writes are atomic (temp file,
/// fsync, rename, fsync of the directory); and a lock file keeps a second process out.
///
/// Index operations are short critical sections under a `Mutex`; every file system call runs on
/// the blocking-I/O pool.
public final class FileCache: Sendable {
    struct State {
        var index: CacheIndex
        var peakUsed: UInt64 = 0
        var evictions: UInt64 = 0
        var expirations: UInt64 = 0
        var hits: UInt64 = 0
        var misses: UInt64 = 0
        var deletedBytes: UInt64 = 0
        var reservationWaits: UInt64 = 0
        var reservationFailures: UInt64 = 0
        var closed = false
    }

    /// The configuration it was opened with.
    public let configuration: FileCacheConfiguration
    /// What recovery found at open.
    public let recovery: RecoveryReport
    /// The directory of writes in progress.
    public let temporaryDirectory: String
    let state: Mutex<State>
    /// The persisted ledger of remote leftovers (`orphans.jsonl`), read at open.
    public let orphanLedger: OrphanLedger
    private let lock: LocalFileHandle
    /// The file layer (``FileCacheConfiguration/fileSystem``).
    public var fileSystem: any FileSystem { configuration.fileSystem }
    /// Where blocking file calls run (``FileCacheConfiguration/executor``).
    public var io: BlockingExecutor { configuration.executor }
    let logger = Logger(label: "flushbench.filecache")

    /// Opens the cache in `configuration.directory`, creating it if needed, and rebuilds the index
    /// from the files there.
    ///
    /// Recovery indexes the files named as this cache names them, removes (and counts) such files
    /// that cannot be read or are torn (see ``tornReason(of:in:type:size:)``), replays the orphan ledger
    /// (``OrphanLedger``), empties the temp directory of files, and evicts down to the capacity.
    /// Anything else (other names, directories, links) is not the cache's: it is counted and
    /// named in ``recovery`` and left alone, so a cache pointed at the wrong directory deletes
    /// nothing of value.
    /// - Errors: `locked` when another process has the directory open; `io` when the directory
    ///   cannot be created or listed.
    public static func open(_ configuration: FileCacheConfiguration) async throws(WriteCacheError) -> FileCache {
        let directory = configuration.directory
        let temporary = directory + "/tmp"
        let fs = configuration.fileSystem
        let io = configuration.executor
        let (lock, recovered, files, ledger): (LocalFileHandle, RecoveryReport, [RecoveredFile], OrphanLedger)
        do {
            lock = try await io.run { try fs.createDirectories(temporary); return try fs.lock(directory + "/LOCK") }
            do {
                (recovered, files) = try await recover(directory: directory, temporary: temporary, fileSystem: fs, io: io)
                ledger = try await io.run { try OrphanLedger.openBlocking(directory: directory, temporary: temporary, fileSystem: fs, io: io) }
            } catch {
                fs.unlock(lock)
                throw error
            }
        } catch let error as LocalFileError {
            throw WriteCacheError(code: error.code == .locked ? .locked : .io,
                                  message: "cannot open the cache at '\(directory)': \(error.message)", cause: error)
        } catch {
            throw WriteCacheError(code: .cancelled, message: "opening the cache at '\(directory)' was cancelled", cause: error)
        }
        var report = recovered
        report.knownOrphans = ledger.recovered.count
        var index = CacheIndex(capacity: configuration.capacity)
        let now = configuration.timeSource.now()
        // Oldest modification first, so the least recently written files are evicted first.
        for (key, size, _) in files.sorted(by: { $0.modified < $1.modified }) {
            index.insert(key, size: size, now: now)
        }
        report.recoveredFiles = index.count
        report.recoveredBytes = index.committedBytes
        let victims = index.evictToCapacity()
        report.evictedOverCapacity = victims.count
        report.recoveredFiles -= victims.count
        report.recoveredBytes -= victims.reduce(0) { $0 + $1.size }
        let cache = FileCache(configuration: configuration, recovery: report, index: index, lock: lock, ledger: ledger)
        if report.foreignEntries > 0 {
            cache.logger.warning("the cache directory holds entries that are not the cache's; they were left alone",
                                 metadata: ["directory": "\(directory)", "count": "\(report.foreignEntries)",
                                            "first": "\(report.foreignNames.prefix(5).joined(separator: ", "))"])
        }
        await cache.deleteFiles(of: victims)
        return cache
    }

    private init(configuration: FileCacheConfiguration, recovery: RecoveryReport, index: CacheIndex, lock: LocalFileHandle,
                 ledger: OrphanLedger) {
        self.configuration = configuration
        self.orphanLedger = ledger
        self.recovery = recovery
        self.temporaryDirectory = configuration.directory + "/tmp"
        self.state = Mutex(State(index: index, peakUsed: index.usedBytes))
        self.lock = lock
    }

    /// Releases the directory lock. The cache must not be used afterwards.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen {
            orphanLedger.close()
            fileSystem.unlock(lock)
        }
    }

    deinit {
        if !state.withLock({ $0.closed }) {
            orphanLedger.close()
            fileSystem.unlock(lock)
        }
    }

    /// The path of `key`'s file in the cache directory (whether or not it is cached).
    public func path(of key: FileKey) -> String {
        configuration.directory + "/" + key.fileName
    }

    /// Whether `key` is cached. Does not count as a use (recency is unchanged).
    public func contains(_ key: FileKey) -> Bool {
        state.withLock { $0.index.contains(key) }
    }

    /// The size of `key`'s cached file, counting as a use; `nil` on a miss.
    ///
    /// An entry idle past the time-to-idle is a miss and is removed.
    public func lookup(_ key: FileKey) async -> UInt64? {
        let now = configuration.timeSource.now()
        let ttl = configuration.timeToIdle
        let (size, expired) = state.withLock { state -> (UInt64?, [(key: FileKey, size: UInt64)]) in
            var expired: [(key: FileKey, size: UInt64)] = []
            if let ttl {
                expired = state.index.expire(now: now, ttl: ttl)
                state.expirations += UInt64(expired.count)
            }
            guard let entry = state.index.entry(key) else {
                state.misses += 1
                return (nil, expired)
            }
            state.hits += 1
            state.index.touch(key, now: now)
            return (entry.size, expired)
        }
        await deleteFiles(of: expired)
        return size
    }

    /// Pins `key` so eviction cannot delete it while it is read or uploaded; counts as a use.
    ///
    /// - Returns: the pinned file, or `nil` when it is not cached (or idle past the time-to-idle).
    public func pin(_ key: FileKey) async -> PinnedFile? {
        guard await lookup(key) != nil else { return nil }
        let now = configuration.timeSource.now()
        guard let size = state.withLock({ $0.index.pin(key, now: now) }) else { return nil }
        return PinnedFile(key: key, path: path(of: key), size: size)
    }

    /// Releases a pin taken by ``pin(_:)`` or a pinned commit; evicts if the cache is over
    /// capacity.
    ///
    /// The last unpin of a file that was ``remove(_:)``d while pinned deletes it.
    public func unpin(_ key: FileKey) async {
        let victims = state.withLock { state -> [(key: FileKey, size: UInt64)] in
            let released = state.index.unpin(key)
            return (released.map { [$0] } ?? []) + takeVictims(&state)
        }
        await deleteFiles(of: victims)
    }

    /// Removes `key` from the index and deletes its file.
    ///
    /// A pinned file (being uploaded or read) is never deleted underneath its holders: `remove`
    /// returns at once, the key is no longer cached, and the file goes at its last ``unpin(_:)``
    /// (its bytes count against the capacity until then).
    /// - Returns: whether it was cached.
    @discardableResult
    public func remove(_ key: FileKey) async -> Bool {
        let (found, victim) = state.withLock { $0.index.discard(key) }
        if let victim { await deleteFiles(of: [victim]) }
        return found
    }

    /// Releases the caller's pin of `key` and drops its entry, whose file is gone from disk
    /// (deleted behind the cache's back, lost to a disk error), so the next read misses and
    /// reads through from the remote instead of failing until eviction.
    func dropVanished(_ key: FileKey) async {
        logger.warning("a cached file vanished from disk; dropping its entry", metadata: ["file": "\(key)"])
        let victims = state.withLock { state -> [(key: FileKey, size: UInt64)] in
            let released = state.index.unpin(key)
            let (_, victim) = state.index.discard(key)
            return [released, victim].compactMap { $0 }
        }
        // Unlinking a vanished file finds nothing (ENOENT), but the entry's deletion must still
        // be completed, so a commit of the same key does not wait.
        await deleteFiles(of: victims, counted: false)
    }

    /// Indexed files and their sizes, for checks.
    public func snapshot() -> [FileKey: UInt64] {
        state.withLock { state in state.index.entries.mapValues(\.size) }
    }

    /// Keys from least to most recently used.
    public func keysByRecency() -> [FileKey] {
        state.withLock { $0.index.keysByRecency }
    }

    /// Current figures.
    public func statistics() -> FileCacheStatistics {
        state.withLock { state in
            FileCacheStatistics(
                files: state.index.count, committedBytes: state.index.committedBytes,
                reservedBytes: state.index.reservedBytes, capacity: state.index.capacity,
                peakUsedBytes: state.peakUsed, evictions: state.evictions, expirations: state.expirations,
                hits: state.hits, misses: state.misses, deletedBytes: state.deletedBytes)
        }
    }

    /// How often writes waited for room, and how many of them gave up with a `capacity` error.
    public func reservationCounts() -> (waits: UInt64, failures: UInt64) {
        state.withLock { ($0.reservationWaits, $0.reservationFailures) }
    }

    /// Starts an atomic write of `key`: bytes go to a temp file that becomes the cached file on
    /// ``CacheFileWriter/commit(pinned:)``.
    ///
    /// - Errors: `io` when the temp file cannot be created.
    public func makeWriter(for key: FileKey) async throws(WriteCacheError) -> CacheFileWriter {
        let tempPath = temporaryDirectory + "/" + key.fileName + "." + UUID().uuidString.prefix(8).lowercased() + ".tmp"
        do {
            let fs = fileSystem
            let file = try await io.run { try fs.createExclusive(tempPath) }
            return CacheFileWriter(cache: self, key: key, file: file)
        } catch {
            throw WriteCacheError(code: .io, message: "cannot create a temp file for \(key) at '\(tempPath)': \(error)", key: key, cause: error)
        }
    }

    // MARK: - Used by CacheFileWriter

    /// How often a waiting reservation looks again for room.
    static let reservationPoll = Duration.milliseconds(20)

    /// Counts `bytes` of a write in progress against the capacity, evicting unpinned files if
    /// needed. When only pinned files, files removed while pinned or other writes in progress
    /// hold the room, waits (on the cache's time source) up to
    /// ``FileCacheConfiguration/reservationTimeout`` for them to go: capacity is a hard bound.
    ///
    /// - Errors: `capacity` when no room was made in time or `bytes` exceed the capacity;
    ///   `cancelled` when the task is cancelled while it waits.
    func reserve(_ bytes: UInt64, for key: FileKey) async throws(WriteCacheError) {
        let clock = configuration.timeSource
        let deadline = clock.now() + configuration.reservationTimeout
        while true {
            let (outcome, victims, statistics) = state.withLock { state in
                let (outcome, victims) = state.index.reserveWithinCapacity(bytes)
                state.evictions += UInt64(victims.count)
                state.peakUsed = max(state.peakUsed, state.index.usedBytes)
                if outcome == .mustWait { state.reservationWaits += 1 }
                return (outcome, victims, (used: state.index.usedBytes, capacity: state.index.capacity))
            }
            await deleteFiles(of: victims)
            switch outcome {
            case .reserved:
                return
            case .neverFits:
                throw WriteCacheError(code: .capacity, message: "writing \(key): \(bytes) more bytes can never fit the cache's capacity of \(statistics.capacity) bytes", key: key)
            case .mustWait:
                guard clock.now() < deadline else {
                    state.withLock { $0.reservationFailures += 1 }
                    throw WriteCacheError(
                        code: .capacity,
                        message: "writing \(key): no room for \(bytes) more bytes within \(configuration.reservationTimeout): \(statistics.used) of \(statistics.capacity) bytes are held by files being read or uploaded and by other writes; raise the capacity or lower the concurrency",
                        key: key)
                }
                do {
                    try await clock.sleep(for: min(FileCache.reservationPoll, deadline - clock.now()))
                } catch {
                    throw WriteCacheError(code: .cancelled, message: "writing \(key): cancelled while waiting for room in the cache", key: key)
                }
            }
        }
    }

    /// Gives back bytes reserved by a writer that aborted.
    func release(_ bytes: UInt64) {
        state.withLock { $0.index.release(bytes) }
    }

    /// Whether a commit of `key` must wait: its evicted predecessor's file is still being deleted.
    func isDeleting(_ key: FileKey) -> Bool {
        state.withLock { $0.index.isDeleting(key) }
    }

    /// Indexes a file that a writer just renamed into place.
    func indexCommitted(_ key: FileKey, size: UInt64, reserved: UInt64, pinned: Bool) async {
        let now = configuration.timeSource.now()
        let victims = state.withLock { state -> [(key: FileKey, size: UInt64)] in
            state.index.release(reserved)
            state.index.insert(key, size: size, now: now, pins: pinned ? 1 : 0)
            return takeVictims(&state)
        }
        await deleteFiles(of: victims)
    }

    private func takeVictims(_ state: inout State) -> [(key: FileKey, size: UInt64)] {
        state.peakUsed = max(state.peakUsed, state.index.usedBytes)
        let victims = state.index.evictToCapacity()
        state.evictions += UInt64(victims.count)
        return victims
    }

    /// Deletes the files of entries already removed from the index; `counted` adds their sizes
    /// to the deleted bytes.
    func deleteFiles(of victims: [(key: FileKey, size: UInt64)], counted: Bool = true) async {
        guard !victims.isEmpty else { return }
        let paths = victims.map { path(of: $0.key) }
        let fs = fileSystem
        let failures: [String] = (try? await io.runToCompletion {
            var failures: [String] = []
            for path in paths {
                do { try fs.remove(path) } catch { failures.append("\(error)") }
            }
            return failures
        }) ?? ["the blocking-I/O pool did not run the deletion"]
        for failure in failures {
            logger.warning("could not delete an evicted cache file", metadata: ["error": "\(failure)"])
        }
        state.withLock { state in
            for victim in victims {
                state.index.deleted(victim.key)
                if counted { state.deletedBytes += victim.size }
            }
        }
    }
}
