import ObjectStore
import Platform
import Synchronization

extension WriteCache {
    /// Downloads `key`'s file from the remote store into the cache.
    ///
    /// The file is fetched with concurrent ranged reads (``WriteCacheConfiguration/downloadChunkSize``
    /// × ``WriteCacheConfiguration/downloadConcurrency``) into a temp file, then committed and
    /// indexed. Concurrent calls for one key share one download (single-flight), so a cold key
    /// read by many tasks costs one remote transfer. A failed download leaves no temp file.
    ///
    /// - Returns: the file's size.
    /// - Errors: `store` when the remote object is missing or a read fails after its retries;
    ///   `io` for a local write failure; `verification` when the received size is wrong.
    @discardableResult
    public func download(_ key: FileKey) async throws(WriteCacheError) -> UInt64 {
        let (shared, waiter) = downloads.withLock { inflight -> (SharedDownload, Int) in
            if let existing = inflight[key], let waiter = existing.join() { return (existing, waiter) }
            let shared = SharedDownload(key: key)
            shared.start(on: configuration.taskExecutor?.executor, { [self] in
                do throws(WriteCacheError) {
                    return .success(try await performDownload(key))
                } catch {
                    return .failure(error)
                }
            }, finished: { [self] in
                downloads.withLock { inflight in
                    if inflight[key] === shared { inflight[key] = nil }
                }
            })
            inflight[key] = shared
            // A fresh download has not been abandoned: joining cannot fail.
            return (shared, shared.join() ?? 0)
        }
        let outcome = await shared.wait(waiter)
        if shared.isAbandoned {
            // The last waiter left: later callers start a new download instead of joining this
            // cancelled one.
            downloads.withLock { inflight in
                if inflight[key] === shared { inflight[key] = nil }
            }
        }
        return try outcome.get()
    }

    /// Callers waiting for the shared download of `key` (0 when none is in flight).
    func downloadWaiters(_ key: FileKey) -> Int {
        downloads.withLock { $0[key]?.waiterCount ?? 0 }
    }

    /// Downloads `key` unless it is cached already (as the reference's `download_if_absent`).
    ///
    /// - Returns: `true` when it downloaded, `false` when the file was cached.
    @discardableResult
    public func downloadIfAbsent(_ key: FileKey) async throws(WriteCacheError) -> Bool {
        if fileCache.contains(key) { return false }
        try await download(key)
        return true
    }

    private func performDownload(_ key: FileKey) async throws(WriteCacheError) -> UInt64 {
        let started = timeSource.now()
        let remote = remoteKey(for: key)
        // Never read a key while this cache writes it: wait until that write is acknowledged, or
        // cleaned up and recorded. Otherwise a download can cache an attempt's torn or corrupt
        // object before its verification fails, and an upload again then acknowledges it (the
        // simulator found this: seeds 892, 624, 1105 of --seeds 1..2000).
        await remoteWrites.lock(remote)
        defer { remoteWrites.unlock(remote) }
        do throws(WriteCacheError) {
            // A known orphan is a failed upload's leftover (torn, corrupt, never acknowledged):
            // caching it would serve it, and an upload again would acknowledge it (the simulator
            // found that: a torn object re-uploaded and acknowledged with the torn size).
            guard !orphans.namesObject(remote) else {
                throw WriteCacheError(code: .notCached,
                                      message: "download of \(key): '\(remote)' is a known orphan (a failed upload's leftover), not a file to cache",
                                      key: key)
            }
            let info = try await withRetries(.stat, key: remote) { () async throws(ObjectStoreError) in
                try await store.stat(key: remote)
            }
            let writer = try await fileCache.makeWriter(for: key)
            do throws(WriteCacheError) {
                try await writer.reserve(size: info.size)
                if let file = writer.realFile {
                    try await fetchStraight(remote, info: info, into: file, of: writer, key: key)
                } else {
                    try await fetch(remote, size: info.size, into: writer)
                }
                guard writer.bytesWritten == info.size else {
                    throw WriteCacheError(code: .verification,
                                          message: "download of \(key) from '\(remote)' received \(writer.bytesWritten) bytes, expected \(info.size)",
                                          key: key)
                }
                if writer.realFile == nil { try await verifyContent(of: writer, against: info, key: key, remote: remote) }
                try await writer.commit()
            } catch {
                await writer.abort()
                throw error
            }
            metrics.record(.download, duration: timeSource.now() - started, failed: false)
            return info.size
        } catch {
            metrics.record(.download, duration: timeSource.now() - started, failed: true)
            throw error
        }
    }

    /// Reads `remote` in chunks, `downloadConcurrency` in flight, writing each at its offset
    /// through the cache's file layer (the path under a layer other than the real disk).
    private func fetch(_ remote: String, size: UInt64, into writer: CacheFileWriter) async throws(WriteCacheError) {
        let chunk = UInt64(configuration.downloadChunkSize)
        let chunks = Int((size + chunk - 1) / chunk)
        guard chunks > 0 else { return }
        let width = configuration.downloadConcurrency
        try await BoundedConcurrency.forEach(Array(0..<chunks), limit: width) { [self] (index: Int) async throws(WriteCacheError) in
            let lower = UInt64(index) * chunk
            let range = lower..<min(lower + chunk, size)
            let bytes = try await withRetries(.read, key: remote) { () async throws(ObjectStoreError) in
                try await store.read(key: remote, range: range)
            }
            guard bytes.count == range.count else {
                throw WriteCacheError(code: .verification,
                                      message: "read of '\(remote)' at \(range) returned \(bytes.count) bytes, expected \(range.count)")
            }
            try await writer.write(bytes, at: lower)
            metrics.addBytes { $0.downloaded += UInt64(bytes.count) }
        }
    }

    /// Compares a downloaded file with the store's whole-object SHA-256, when the store keeps
    /// one (the memory store, S3 objects uploaded in one PUT). Composite checksums of multipart
    /// uploads depend on the uploader's part boundaries and are not recomputed.
    private func verifyContent(of writer: CacheFileWriter, against info: ObjectInfo, key: FileKey, remote: String) async throws(WriteCacheError) {
        guard let expected = info.checksum, expected.algorithm == "sha256" else { return }
        let path = writer.temporaryPath
        let actual: Checksum
        do {
            let fs = fileCache.fileSystem
            actual = try await fileCache.io.run { try fs.digestOfFile(at: path).checksum }
        } catch {
            throw WriteCacheError(code: .io, message: "download of \(key): cannot read back '\(path)' to verify it: \(error)", key: key, cause: error)
        }
        guard actual == expected else {
            throw WriteCacheError(code: .verification,
                                  message: "download of \(key) from '\(remote)' has checksum \(actual), but the store reports \(expected)",
                                  key: key)
        }
    }
}
