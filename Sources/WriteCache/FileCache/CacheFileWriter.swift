public import SSTFormat
public import Platform
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An atomic write of one cached file: bytes go to a temp file in the cache's `tmp/` directory
/// and become the cached file only on ``commit(pinned:)``.
///
/// Every byte written counts against the cache's capacity at once (so a flush cannot push the
/// cache past its limit unnoticed). ``abort()`` removes the temp file and gives the bytes back;
/// a writer that is neither committed nor aborted leaves a temp file that the next
/// ``FileCache/open(_:)`` removes.
public final class CacheFileWriter: ByteSink {
    private enum Phase: Equatable {
        case open
        case committed
        case aborted
    }

    private struct State {
        var phase: Phase = .open
        var appendOffset: UInt64 = 0
        var reserved: UInt64 = 0
        var written: UInt64 = 0
    }

    /// The key the file will be cached under.
    public let key: FileKey
    private let cache: FileCache
    private let file: LocalFileHandle
    private let state = Mutex(State())
    /// Whether the descriptor was closed: it is closed exactly once, by whichever path gets there.
    private let descriptorClosed = Atomic<Bool>(false)

    init(cache: FileCache, key: FileKey, file: LocalFileHandle) {
        self.cache = cache
        self.key = key
        self.file = file
    }

    /// Closes the temp file's descriptor unless that already happened. Blocks briefly.
    private func closeFile() {
        if !descriptorClosed.exchange(true, ordering: .acquiringAndReleasing) { cache.fileSystem.close(file) }
    }

    /// The temp file's path.
    public var temporaryPath: String { file.path }

    /// Bytes written so far.
    public var bytesWritten: UInt64 { state.withLock { $0.written } }

    /// Appends `bytes` to the file.
    ///
    /// - Errors: `io` when the write fails (disk full, ...); `capacity` when the cache has no room;
    ///   `configuration` after commit/abort.
    public func write(_ bytes: [UInt8]) async throws {
        let offset = try claim { state in
            defer { state.appendOffset += UInt64(bytes.count) }
            return state.appendOffset
        }
        try await write(bytes, at: offset)
    }

    /// Writes `bytes` at `offset` (for concurrent ranged downloads that land out of order).
    ///
    /// - Errors: `io` when the write fails; `capacity` when the cache has no room for it within
    ///   the reservation wait; `cancelled`; `configuration` after commit/abort.
    public func write(_ bytes: [UInt8], at offset: UInt64) async throws(WriteCacheError) {
        guard !bytes.isEmpty else { return }
        try await reserve(size: offset + UInt64(bytes.count))
        let file = self.file
        let fs = cache.fileSystem
        do {
            try await cache.io.run { try fs.write(file, bytes, at: offset) }
        } catch is CancellationError {
            throw WriteCacheError(code: .cancelled, message: "writing \(bytes.count) bytes of \(key) to '\(file.path)' was cancelled", key: key)
        } catch {
            throw WriteCacheError(code: .io, message: "writing \(bytes.count) bytes of \(key) to '\(file.path)' failed: \(error)",
                                  key: key, cause: error)
        }
        state.withLock { $0.written += UInt64(bytes.count) }
    }

    /// Counts `size` bytes against the cache's capacity at once: a download knows its size, so
    /// its ranges need no reservation each. Bytes already reserved are not counted again.
    ///
    /// - Errors: `capacity` when the cache has no room for it within the reservation wait;
    ///   `configuration` after commit/abort.
    public func reserve(size: UInt64) async throws(WriteCacheError) {
        let grow = try claim { state -> UInt64 in
            let grow = size > state.reserved ? size - state.reserved : 0
            state.reserved += grow
            return grow
        }
        guard grow > 0 else { return }
        do {
            try await cache.reserve(grow, for: key)
        } catch {
            // Not reserved: the writer holds only what it had.
            state.withLock { $0.reserved -= grow }
            throw error
        }
    }

    /// The temp file as a real open file when the cache's file layer is the real disk
    /// (``PosixFileSystem``), so a store's range reads can write straight into it; `nil` under
    /// any other layer (write through ``write(_:at:)`` then). Bytes written into it this way
    /// are counted with ``noteWritten(_:)``, within ``reserve(size:)``. Valid until commit or
    /// abort.
    public var realFile: LocalFile? {
        (cache.fileSystem as? PosixFileSystem)?.localFile(file)
    }

    /// Counts `count` bytes written into ``realFile`` by someone else.
    public func noteWritten(_ count: UInt64) {
        state.withLock { $0.written += count }
    }

    private func claim<T>(_ body: (inout State) -> T) throws(WriteCacheError) -> T {
        let key = self.key
        return try state.withLock { (state) throws(WriteCacheError) -> T in
            guard state.phase == .open else {
                throw WriteCacheError(code: .configuration, message: "write to \(key) after the writer was \(state.phase)", key: key)
            }
            return body(&state)
        }
    }

    /// Makes the written bytes the cached file: fsync, rename into the cache directory, fsync the
    /// directory, index it.
    ///
    /// - Parameter pinned: keep the new entry pinned (release with ``FileCache/unpin(_:)``), so an
    ///   upload can read it before eviction may delete it.
    /// - Returns: the file's size.
    /// - Errors: `io` when a step fails; the temp file is removed then.
    @discardableResult
    public func commit(pinned: Bool = false) async throws(WriteCacheError) -> UInt64 {
        let (size, reserved) = try claim { state -> (UInt64, UInt64) in
            state.phase = .committed
            return (state.reserved, state.reserved)
        }
        let file = self.file
        let target = cache.path(of: key)
        let directory = cache.configuration.directory
        let cache = self.cache
        let key = self.key
        // A cancelled task does not commit, but its clean-up (closing the descriptor, removing
        // the temp file) runs to completion: the body below always runs, never skipped.
        let cancelled = Task.isCancelled
        let fs = cache.fileSystem
        do {
            try await cache.io.runToCompletion {
                if cancelled { throw CancellationError() }
                let synced = Result { () throws(LocalFileError) in try fs.sync(file) }
                self.closeFile()
                try synced.get()
                // A predecessor of this key evicted a moment ago may still be being deleted:
                // renaming now would let that deletion remove the new file.
                var waits = 0
                while cache.isDeleting(key), waits < 10_000 {
                    usleep(200)
                    waits += 1
                }
                try fs.rename(file.path, to: target)
                try fs.syncDirectory(directory)
            }
        } catch {
            _ = try? await cache.io.runToCompletion {
                self.closeFile()
                try fs.remove(file.path)
            }
            cache.release(reserved)
            if error is CancellationError {
                throw WriteCacheError(code: .cancelled, message: "committing \(key) was cancelled; its temp file was removed", key: key)
            }
            throw WriteCacheError(code: .io, message: "committing \(key) to '\(target)' failed: \(error)", key: key, cause: error)
        }
        await cache.indexCommitted(key, size: size, reserved: reserved, pinned: pinned)
        return size
    }

    /// Discards the file: removes the temp file and gives its bytes back to the capacity.
    /// Does nothing after a commit.
    public func abort() async {
        let reserved: UInt64? = state.withLock { state in
            guard state.phase == .open else { return nil }
            state.phase = .aborted
            return state.reserved
        }
        guard let reserved else { return }
        let file = self.file
        let fs = cache.fileSystem
        _ = try? await cache.io.runToCompletion {
            self.closeFile()
            try fs.remove(file.path)
        }
        cache.release(reserved)
    }
}
