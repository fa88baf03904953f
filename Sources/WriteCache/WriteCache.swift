public import ObjectStore
public import Platform
import SSTFormat
import Synchronization
public import Foundation
public import Logging

/// A write-through cache in front of a remote object store.
///
/// A flush writes an SST (data and index file) into the local ``FileCache`` and uploads both;
/// a miss downloads a file back with concurrent ranged reads. It does what GreptimeDB's mito2
/// write cache does and what it lacks: every upload is verified before it is acknowledged;
/// transient errors are retried with jittered exponential back-off; on failure the flush's
/// local files, the remote objects already uploaded *and* the one whose upload failed are
/// deleted, incomplete multipart uploads are aborted, and whatever could not be cleaned is
/// recorded in ``orphans``; an acknowledged object is never deleted by a failed attempt nor
/// listed as an orphan; downloads of one key are single-flight (and cancelled when the last
/// caller waiting for them is); files being uploaded or read are pinned against eviction and
/// removal.
public final class WriteCache: Sendable {
    /// The local cache.
    public let fileCache: FileCache
    /// The remote store.
    public let store: any ObjectStore
    /// How files move.
    public let configuration: WriteCacheConfiguration
    /// Counters and latencies.
    public let metrics = CacheMetrics()
    /// Remote leftovers whose clean-up failed, persisted in the cache directory's ledger
    /// (``OrphanLedger``) and preloaded from it.
    public let orphans: KnownOrphans
    let timeSource: any TimeSource
    let downloads = Mutex<[FileKey: SharedDownload]>([:])
    /// Remote keys of acknowledged objects (see ``isAcknowledged(_:)``).
    let acknowledgedKeys = Mutex<Set<String>>([])
    /// One remote writer per key at a time (see ``KeyedLock``).
    let remoteWrites = KeyedLock()
    let logger: Logger

    /// Creates a write cache over an open file cache and a store.
    ///
    /// - Parameters:
    ///   - fileCache: the local cache (see ``FileCache/open(_:)``).
    ///   - store: the remote store (wrap it in a fault layer to test failures).
    ///   - configuration: part sizes, parallelism, verification, retries.
    ///   - timeSource: the clock for back-off sleeps and latencies.
    public init(
        fileCache: FileCache,
        store: any ObjectStore,
        configuration: WriteCacheConfiguration = WriteCacheConfiguration(),
        timeSource: any TimeSource = SystemTimeSource(),
        logger: Logger = Logger(label: "flushbench.writecache")
    ) {
        self.fileCache = fileCache
        self.orphans = KnownOrphans(ledger: fileCache.orphanLedger)
        self.store = store
        self.configuration = configuration
        self.timeSource = timeSource
        self.logger = logger
    }

    /// The remote key of `key`'s file.
    public func remoteKey(for key: FileKey) -> String {
        configuration.remotePrefix + key.remoteKey
    }

    /// Whether the object under `remote` is acknowledged: this cache acknowledged its upload (a
    /// flush, `putAndUpload` or `upload` that returned), or found it on the store before
    /// uploading its key again (after a reopen the store is the only record of what an earlier
    /// process acknowledged).
    ///
    /// A failed upload never deletes an acknowledged object, and the known orphans never list
    /// one (see ``KnownOrphans/acknowledge(key:)``).
    public func isAcknowledged(_ remote: String) -> Bool {
        acknowledgedKeys.withLock { $0.contains(remote) }
    }

    /// Records `remote` as acknowledged and resolves the object orphans recorded under it.
    func markAcknowledged(_ remote: String) async {
        acknowledgedKeys.withLock { _ = $0.insert(remote) }
        await orphans.acknowledgeDurably(key: remote)
    }

    // MARK: - Flush

    /// Writes one SST into the cache and uploads its files.
    ///
    /// The producer streams the data and index files into atomic cache writers. If it writes no
    /// data (zero rows) nothing is cached or uploaded. Otherwise both files are committed
    /// (pinned), uploaded and verified — the data file first, then the index file if not empty.
    ///
    /// - Returns: the uploaded files and the producer's summary.
    /// - Errors: `producer` when the producer throws (nothing is left behind); `store` or
    ///   `verification` when an upload fails after its retries. On any failure the flush's cache
    ///   entries and files are removed, its remote objects (uploaded or half-uploaded) deleted, and
    ///   anything that could not be deleted recorded in ``orphans``.
    public func writeAndUpload(_ flush: Flush) async throws(WriteCacheError) -> FlushOutcome {
        let started = timeSource.now()
        do {
            let outcome = try await performFlush(flush)
            metrics.record(.flush, duration: timeSource.now() - started, failed: false)
            return outcome
        } catch {
            metrics.record(.flush, duration: timeSource.now() - started, failed: true)
            throw error
        }
    }

    private func performFlush(_ flush: Flush) async throws(WriteCacheError) -> FlushOutcome {
        let dataKey = FileKey(region: flush.region, fileID: flush.fileID, type: .parquet)
        let indexKey = dataKey.with(type: .puffin)
        let writeStarted = timeSource.now()
        let dataWriter = try await fileCache.makeWriter(for: dataKey)
        let indexWriter: CacheFileWriter
        do {
            indexWriter = try await fileCache.makeWriter(for: indexKey)
        } catch {
            await dataWriter.abort()
            throw error
        }
        let summary: SSTSummary
        do {
            summary = try await flush.producer.produce(data: dataWriter, index: indexWriter)
        } catch {
            await dataWriter.abort()
            await indexWriter.abort()
            metrics.record(.writeToCache, duration: timeSource.now() - writeStarted, failed: true)
            if let error = error as? WriteCacheError { throw error }
            throw WriteCacheError(code: .producer, message: "the SST producer failed writing \(dataKey): \(error)",
                                  key: dataKey, cause: error)
        }
        guard dataWriter.bytesWritten > 0 else {
            await dataWriter.abort()
            await indexWriter.abort()
            metrics.record(.writeToCache, duration: timeSource.now() - writeStarted, failed: false)
            return FlushOutcome(files: [], summary: summary)
        }
        // The sizes the commits reported are the sizes to upload: the pinned files cannot change
        // or go away underneath the upload, even if the cache removes them meanwhile.
        var committed: [(key: FileKey, size: UInt64)] = []
        do {
            let dataSize = try await dataWriter.commit(pinned: true)
            committed.append((dataKey, dataSize))
            metrics.addBytes { $0.writtenToCache += dataSize }
            if indexWriter.bytesWritten > 0 {
                let indexSize = try await indexWriter.commit(pinned: true)
                committed.append((indexKey, indexSize))
                metrics.addBytes { $0.writtenToCache += indexSize }
            } else {
                await indexWriter.abort()
            }
        } catch {
            await indexWriter.abort()
            metrics.record(.writeToCache, duration: timeSource.now() - writeStarted, failed: true)
            await discardFlush(local: committed.map(\.key), remote: [])
            throw error
        }
        metrics.record(.writeToCache, duration: timeSource.now() - writeStarted, failed: false)

        let remotes = committed.map { remoteKey(for: $0.key) }
        await remoteWrites.lock(remotes)
        var uploaded: [UploadedFile] = []
        for (key, size) in committed {
            do {
                uploaded.append(try await uploadPinned(key, size: size))
            } catch {
                // Delete what reached the remote and the object whose upload failed (it may have
                // been committed before the failure was reported).
                await discardFlush(local: committed.map(\.key), remote: uploaded.map(\.remoteKey) + [remoteKey(for: key)])
                remoteWrites.unlock(remotes)
                throw error
            }
        }
        // The flush is acknowledged only now, with both files: until here a failure deletes them.
        for file in uploaded { await markAcknowledged(file.remoteKey) }
        remoteWrites.unlock(remotes)
        for (key, _) in committed { await fileCache.unpin(key) }
        return FlushOutcome(files: uploaded, summary: summary)
    }

    /// Removes a failed flush's local files and remote objects; records what cannot be removed.
    func discardFlush(local: [FileKey], remote: [String]) async {
        for key in local {
            await fileCache.unpin(key)
            await fileCache.remove(key)
        }
        for key in remote {
            await deleteRemoteRecordingOrphan(key)
        }
    }

    // MARK: - Put, remove

    /// Writes pre-encoded `bytes` as `key`'s cached file and uploads it.
    ///
    /// - Errors: `io` when the local write fails; `store`/`verification` when the upload fails;
    ///   on failure the local file and the remote object are removed (or recorded as orphans).
    @discardableResult
    public func putAndUpload(_ key: FileKey, bytes: [UInt8]) async throws(WriteCacheError) -> UploadedFile {
        let writer = try await fileCache.makeWriter(for: key)
        let size: UInt64
        do {
            try await writer.write(bytes, at: 0)
            size = try await writer.commit(pinned: true)
        } catch {
            await writer.abort()
            throw error
        }
        metrics.addBytes { $0.writtenToCache += size }
        return try await uploadReplacing(key, size: size, keepCachedFile: false)
    }

    /// Uploads `key`'s cached file (again).
    ///
    /// A failed upload never deletes an acknowledged object: when the key was acknowledged
    /// before (see ``isAcknowledged(_:)``; the store is asked when this cache does not know),
    /// the object stays as it was and only the failed attempt's incomplete uploads are aborted.
    /// - Errors: `notCached` when the file is not in the cache; `store` when the store cannot
    ///   say whether it holds the object (nothing is uploaded then); `store`/`verification` when
    ///   the upload fails (a remote object that was not acknowledged before is deleted or
    ///   recorded as an orphan; the cached file stays).
    @discardableResult
    public func upload(_ key: FileKey) async throws(WriteCacheError) -> UploadedFile {
        guard let pinned = await fileCache.pin(key) else {
            throw WriteCacheError(code: .notCached, message: "upload \(key): the file is not in the cache", key: key)
        }
        return try await uploadReplacing(key, size: pinned.size, keepCachedFile: true)
    }

    /// Uploads a pinned cached file over whatever the store holds under its key and releases
    /// the pin. On failure a previously acknowledged object is kept; anything else the failed
    /// upload left is deleted (or recorded as an orphan), and the cached file too unless
    /// `keepCachedFile`.
    private func uploadReplacing(_ key: FileKey, size: UInt64, keepCachedFile: Bool) async throws(WriteCacheError) -> UploadedFile {
        let remote = remoteKey(for: key)
        await remoteWrites.lock(remote)
        defer { remoteWrites.unlock(remote) }
        do {
            try await learnWhetherAcknowledged(key, remote: remote)
        } catch {
            await fileCache.unpin(key)
            if !keepCachedFile { await fileCache.remove(key) }
            throw error
        }
        if isAcknowledged(remote), let intact = await intactRemoteCopy(of: key, remote: remote, size: size) {
            // Uploading again would only risk the good copy: a failed or torn overwrite destroys
            // it, and a failed attempt must never cost an acknowledged object.
            await fileCache.unpin(key)
            return intact
        }
        do {
            let file = try await uploadPinned(key, size: size)
            await markAcknowledged(remote)
            await fileCache.unpin(key)
            return file
        } catch {
            if error.isVanishedFile {
                await fileCache.dropVanished(key)
            } else {
                await fileCache.unpin(key)
                if !keepCachedFile { await fileCache.remove(key) }
            }
            await deleteRemoteRecordingOrphan(remote)
            throw error
        }
    }

    /// The acknowledged remote copy of the pinned cached file `key`, when the store holds it
    /// whole: the same size and, where the store keeps a whole-object SHA-256, the same digest as
    /// the cached file. `nil` when it differs, is missing or cannot be checked (then the caller
    /// uploads again).
    private func intactRemoteCopy(of key: FileKey, remote: String, size: UInt64) async -> UploadedFile? {
        guard let stored = try? await withRetries(.stat, key: remote, { () async throws(ObjectStoreError) in
            try await store.stat(key: remote)
        }), stored.size == size else { return nil }
        if let expected = stored.checksum, expected.algorithm == "sha256" {
            let path = fileCache.path(of: key)
            let fs = fileCache.fileSystem
            guard let local = try? await fileCache.io.run({ try fs.digestOfFile(at: path).checksum }),
                  local == expected else { return nil }
        }
        return UploadedFile(key: key, remoteKey: remote, size: size, checksum: stored.checksum, attempts: 0)
    }

    /// Makes sure ``isAcknowledged(_:)`` answers for `remote` before it is uploaded again: an
    /// object the store already holds there counts as acknowledged (by an earlier process, or
    /// another node), so a failed re-upload will not delete it.
    ///
    /// An object this cache recorded as an orphan is its own leftover, not acknowledged.
    private func learnWhetherAcknowledged(_ key: FileKey, remote: String) async throws(WriteCacheError) {
        guard !isAcknowledged(remote), !orphans.namesObject(remote) else { return }
        do {
            _ = try await withRetries(.stat, key: remote) { () async throws(ObjectStoreError) in
                try await store.stat(key: remote)
            }
            acknowledgedKeys.withLock { _ = $0.insert(remote) }
        } catch where error.storeError?.code == .notFound {
            return
        } catch {
            throw WriteCacheError(code: error.code,
                                  message: "upload \(key): cannot tell whether '\(remote)' holds an acknowledged object, so it was not overwritten: \(error.message)",
                                  key: key, cause: error.cause)
        }
    }

    /// Removes both files of an SST from the local cache (the remote objects stay).
    public func remove(region: UInt64, fileID: UUID) async {
        for type in FileType.allCases {
            await fileCache.remove(FileKey(region: region, fileID: fileID, type: type))
        }
    }

    /// Reads `range` of `key`'s file: from the cache when it holds the file (pinned while read),
    /// otherwise from the remote store.
    ///
    /// - Errors: `io` for a local read failure; `store` for a remote one.
    public func read(_ key: FileKey, range: Range<UInt64>) async throws(WriteCacheError) -> [UInt8] {
        if let pinned = await fileCache.pin(key) {
            let path = pinned.path
            let fs = fileCache.fileSystem
            let result: Result<[UInt8], any Error> = await Result { try await fileCache.io.run {
                let file = try fs.openForReading(path)
                defer { fs.close(file) }
                let upper = min(range.upperBound, pinned.size)
                return range.lowerBound < upper ? try fs.read(file, at: range.lowerBound, count: Int(upper - range.lowerBound)) : []
            } }
            switch result {
            case .success(let bytes):
                await fileCache.unpin(key)
                return bytes
            case .failure(let error as LocalFileError) where error.code == .notFound:
                // The file vanished behind the index (deleted outside, lost to a disk error):
                // drop the entry and read through from the remote, as the reference does.
                await fileCache.dropVanished(key)
            case .failure(let error):
                await fileCache.unpin(key)
                throw WriteCacheError(code: .io, message: "reading \(key) from the cache at '\(path)' failed: \(error)", key: key,
                                      cause: error)
            }
        }
        let remote = remoteKey(for: key)
        return try await withRetries(.read, key: remote) { () async throws(ObjectStoreError) in
            try await store.read(key: remote, range: range)
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
