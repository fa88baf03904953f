import ObjectStore
import Logging
import Platform

extension WriteCache {
    /// Uploads a pinned cached file with retries and verification.
    func uploadPinned(_ key: FileKey, size: UInt64) async throws(WriteCacheError) -> UploadedFile {
        let remote = remoteKey(for: key)
        var (file, attempts) = try await retrying(.upload, key: remote) { () async throws(WriteCacheError) in
            try await uploadOnce(key, remote: remote, size: size)
        }
        file.attempts = attempts
        metrics.addBytes { $0.uploadedAcknowledged += size }
        return file
    }

    /// One upload attempt: send the pinned cached file, then verify.
    ///
    /// On the real disk (``PosixFileSystem``) the store's range upload streams the file itself
    /// (S3: from its descriptor on libcurl's thread, each part's SHA-256 computed off the
    /// cooperative pool while other parts are in flight): memory is the store's part buffers ×
    /// parts in flight, not the file. Under another file layer (the simulator's in-memory one)
    /// the file is read through the layer into the store's writer, one part at a time.
    private func uploadOnce(_ key: FileKey, remote: String, size: UInt64) async throws(WriteCacheError) -> UploadedFile {
        let path = fileCache.path(of: key)
        let progress = TransferProgress()
        let options = WriteOptions(expectedSize: size, partSize: configuration.partSize,
                                   concurrency: configuration.uploadConcurrency, progress: progress)
        let acknowledged: ObjectInfo
        do throws(WriteCacheError) {
            if fileCache.fileSystem is PosixFileSystem {
                let file: LocalFile
                do {
                    file = try await fileCache.io.run { try LocalFile.openForReading(path) }
                } catch {
                    throw WriteCacheError(code: .io, message: "upload \(key): cannot open the cached file '\(path)': \(error)", key: key,
                                          cause: error)
                }
                defer { file.close() }
                acknowledged = try await sendRange(of: file, key: key, remote: remote, size: size, options: options)
            } else {
                acknowledged = try await sendThroughLayer(key, path: path, remote: remote, size: size, options: options)
            }
        } catch {
            let sent = progress.bytes
            metrics.addBytes {
                $0.uploaded += sent
                $0.wastedOnFailedAttempts += sent
            }
            throw error
        }
        metrics.addBytes { $0.uploaded += size }
        do {
            let checksum = try await verify(key, remote: remote, size: size, acknowledged: acknowledged)
            return UploadedFile(key: key, remoteKey: remote, size: size, checksum: checksum, attempts: 1)
        } catch {
            metrics.addBytes { $0.wastedOnFailedAttempts += size }
            throw error
        }
    }

    /// The store's range upload of the whole file. The store aborts what it started on
    /// failure; what it could not abort travels in the error and is recorded as orphans.
    private func sendRange(of file: LocalFile, key: FileKey, remote: String, size: UInt64,
                           options: WriteOptions) async throws(WriteCacheError) -> ObjectInfo {
        do {
            return try await store.upload(from: file, range: 0..<size, key: remote, options: options)
        } catch {
            if let leftovers = error.leftovers { await recordLeftovers(leftovers, of: error, remote: remote) }
            // A local read failure comes back as the store's `io` error naming the file.
            throw storeFailure("upload \(key) to '\(remote)'", key, error)
        }
    }

    /// The file read through the cache's file layer into the store's writer, the next part read
    /// while the current one is written; counts each part in `options.progress` once written.
    private func sendThroughLayer(_ key: FileKey, path: String, remote: String, size: UInt64,
                                  options: WriteOptions) async throws(WriteCacheError) -> ObjectInfo {
        let writer: any ObjectWriter
        do {
            writer = try await store.makeWriter(key: remote, options: options)
        } catch {
            throw storeFailure("start uploading \(key) to '\(remote)'", key, error)
        }
        let fs = fileCache.fileSystem
        let file: LocalFileHandle
        do {
            file = try await fileCache.io.run { try fs.openForReading(path) }
        } catch {
            await abort(writer, remote: remote)
            throw WriteCacheError(code: .io, message: "upload \(key): cannot open the cached file '\(path)': \(error)", key: key,
                                  cause: error)
        }
        defer { fs.close(file) }
        let partSize = options.partSize
        do {
            var nextPart: Task<[UInt8], any Error>? = size > 0 ? readPart(file, at: 0, count: partSize, size: size) : nil
            var offset: UInt64 = 0
            while let pending = nextPart {
                let part = try await pending.value
                guard !part.isEmpty else {
                    throw WriteCacheError(code: .io, message: "upload \(key): the cached file '\(path)' shrank to \(offset) bytes during the upload", key: key)
                }
                offset += UInt64(part.count)
                nextPart = offset < size ? readPart(file, at: offset, count: partSize, size: size) : nil
                do {
                    try await writer.write(part)
                } catch {
                    // The read ahead must end before the file is closed.
                    nextPart?.cancel()
                    _ = try? await nextPart?.value
                    throw storeFailure("upload \(key) to '\(remote)'", key, error)
                }
                options.progress?.add(UInt64(part.count))
            }
        } catch {
            await abort(writer, remote: remote)
            if let error = error as? WriteCacheError { throw error }
            throw WriteCacheError(code: .io, message: "upload \(key): reading the cached file '\(path)' failed: \(error)", key: key,
                                  cause: error)
        }
        do {
            return try await writer.close()
        } catch {
            // A failed close can leave the upload open (S3: a multipart upload whose completion
            // failed); abort it, or record it as an orphan if that fails too.
            await abort(writer, remote: remote)
            throw storeFailure("complete the upload of \(key) to '\(remote)'", key, error)
        }
    }

    private func readPart(_ file: LocalFileHandle, at offset: UInt64, count: Int, size: UInt64) -> Task<[UInt8], any Error> {
        let length = Int(min(UInt64(count), size - offset))
        let fs = fileCache.fileSystem
        let io = fileCache.io
        return Task(executorPreference: configuration.taskExecutor?.executor) { try await io.run { try fs.read(file, at: offset, count: length) } }
    }

    /// Checks an acknowledged upload: the acknowledged and the stored size equal the local size,
    /// and the stored checksum equals the acknowledged one.
    private func verify(_ key: FileKey, remote: String, size: UInt64, acknowledged: ObjectInfo) async throws(WriteCacheError) -> Checksum? {
        guard acknowledged.size == size else {
            throw WriteCacheError(code: .verification,
                                  message: "upload of \(key) to '\(remote)' was acknowledged with \(acknowledged.size) bytes, but the file has \(size)",
                                  key: key)
        }
        guard configuration.verifyUploads else { return acknowledged.checksum }
        let started = timeSource.now()
        let stored: ObjectInfo
        do {
            stored = try await withRetries(.stat, key: remote) { () async throws(ObjectStoreError) in
                try await store.stat(key: remote)
            }
        } catch {
            metrics.record(.verify, duration: timeSource.now() - started, failed: true)
            throw WriteCacheError(code: .verification,
                                  message: "upload of \(key) to '\(remote)' was acknowledged but cannot be found: \(error.message)",
                                  key: key, cause: error)
        }
        var problem: String?
        if stored.size != size {
            problem = "the store holds \(stored.size) bytes, but \(size) were written"
        } else if let expected = acknowledged.checksum, let actual = stored.checksum, expected != actual {
            problem = "the store's checksum \(actual) differs from the acknowledged \(expected)"
        }
        metrics.record(.verify, duration: timeSource.now() - started, failed: problem != nil)
        if let problem {
            throw WriteCacheError(code: .verification, message: "upload of \(key) to '\(remote)' failed verification: \(problem)", key: key)
        }
        return stored.checksum ?? acknowledged.checksum
    }

    /// Aborts a writer; an abort that could not discard the upload leaves known orphans.
    private func abort(_ writer: any ObjectWriter, remote: String) async {
        await writer.abort()
        guard let failure = writer.abortFailure else { return }
        await recordLeftovers(failure.leftovers ?? WriteLeftovers(uploads: [], mayHaveMore: true), of: failure, remote: remote)
    }

    /// Records what a failed upload could not abort as known orphans.
    ///
    /// The failure names the uploads it left where the store knows them
    /// (``ObjectStoreError/leftovers``); otherwise the store is asked for the key's incomplete
    /// uploads. Each is recorded with the upload id a garbage collector needs to abort
    /// it (leaving the object under the key alone). Where the store lists none, the key itself is
    /// recorded, unless it holds an acknowledged object: that must never be handed over for
    /// garbage collection.
    private func recordLeftovers(_ leftovers: WriteLeftovers, of failure: ObjectStoreError, remote: String) async {
        let reason = "aborting the failed upload failed: \(failure.message)"
        // What the store says it left (with ids), and what it lists for the key when it could
        // not say for sure.
        var open = leftovers.uploads.filter { $0.key == remote }
        if open.isEmpty || leftovers.mayHaveMore {
            let listed = ((try? await store.incompleteUploads(prefix: remote)) ?? []).filter { $0.key == remote }
            open += listed.filter { upload in !open.contains { $0.uploadID == upload.uploadID } }
        }
        for upload in open {
            await orphans.recordDurably(KnownOrphan(key: remote, reason: reason, code: failure.code.rawValue, uploadId: upload.uploadID))
        }
        if open.isEmpty, !isAcknowledged(remote) {
            await orphans.recordDurably(KnownOrphan(key: remote, reason: reason, code: failure.code.rawValue))
        }
    }

    private func storeFailure(_ what: String, _ key: FileKey, _ error: ObjectStoreError) -> WriteCacheError {
        if error.code == .cancelled {
            return WriteCacheError(code: .cancelled, message: "\(what): cancelled", key: key, cause: error)
        }
        return WriteCacheError(code: .store, message: "\(what) failed: \(error.message)", key: key, cause: error)
    }

    /// Runs a remote operation, retrying transient errors by the policy.
    func withRetries<T>(
        _ operation: CacheOperation, key: String,
        _ body: () async throws(ObjectStoreError) -> T
    ) async throws(WriteCacheError) -> T {
        try await retrying(operation, key: key) { () async throws(WriteCacheError) -> T in
            do throws(ObjectStoreError) {
                return try await body()
            } catch {
                throw WriteCacheError(code: error.code == .cancelled ? .cancelled : .store,
                                      message: "\(operation) '\(key)' failed: \(error.message)", cause: error)
            }
        }.value
    }

    /// The one retry loop of the cache: runs `attempt` until it succeeds, fails with an error
    /// that is not transient, uses up the policy's attempts or is cancelled, sleeping a jittered
    /// back-off between attempts. Records the operation's latency (all attempts) and each retry.
    ///
    /// - Returns: the value and the attempts it took (1 = no retry).
    /// - Errors: the last attempt's error (its message says how many attempts were made);
    ///   `cancelled` when the task is cancelled during a back-off.
    func retrying<T>(
        _ operation: CacheOperation, key: String,
        _ attempt: () async throws(WriteCacheError) -> T
    ) async throws(WriteCacheError) -> (value: T, attempts: Int) {
        let started = timeSource.now()
        var attempts = 1
        while true {
            do {
                let value = try await attempt()
                metrics.record(operation, duration: timeSource.now() - started, failed: false)
                return (value, attempts)
            } catch let failure {
                let error = failure
                guard error.isTransient, attempts < configuration.retry.maxAttempts, !Task.isCancelled else {
                    metrics.record(operation, duration: timeSource.now() - started, failed: true)
                    var final = error
                    if attempts > 1 { final.message += " (after \(attempts) attempts)" }
                    throw final
                }
                var generator = configuration.retry.jitterGenerator(operation: "\(operation)", key: key, attempt: attempts)
                let backoff = configuration.retry.backoff(afterAttempt: attempts, retryAfter: error.storeError?.retryAfter, using: &generator)
                metrics.recordRetry(RetryEvent(operation: operation, key: key, failedAttempt: attempts,
                                               code: error.storeError?.code.rawValue ?? error.code.rawValue,
                                               backoffMilliseconds: backoff.inMilliseconds))
                logger.debug("retrying", metadata: ["operation": "\(operation)", "key": "\(key)", "attempt": "\(attempts)", "error": "\(error)"])
                do { try await timeSource.sleep(for: backoff) } catch {
                    metrics.record(operation, duration: timeSource.now() - started, failed: true)
                    throw WriteCacheError(code: .cancelled, message: "\(operation) '\(key)' was cancelled during back-off", key: failure.key)
                }
                attempts += 1
            }
        }
    }

    /// Deletes the remote object of a failed upload and aborts the incomplete uploads of its
    /// key; records a known orphan for anything that could not be removed.
    ///
    /// An acknowledged object is never deleted: a failed attempt to upload it again leaves it as
    /// it was (only that attempt's incomplete uploads are aborted).
    func deleteRemoteRecordingOrphan(_ remote: String) async {
        if isAcknowledged(remote) {
            logger.debug("kept an acknowledged object after a failed upload", metadata: ["key": "\(remote)"])
        } else {
            await deleteRemoteObject(remote)
        }
        do {
            let incomplete = try await store.incompleteUploads(prefix: remote).filter { $0.key == remote }
            for upload in incomplete {
                do {
                    try await store.abortIncompleteUpload(upload)
                    await orphans.resolveDurably(key: remote, uploadId: upload.uploadID)
                } catch {
                    await orphans.recordDurably(KnownOrphan(key: remote, reason: "aborting incomplete upload \(upload.uploadID) failed: \(error.message)",
                                               code: error.code.rawValue, uploadId: upload.uploadID))
                }
            }
        } catch {
            logger.warning("could not list incomplete uploads", metadata: ["key": "\(remote)", "error": "\(error)"])
        }
    }

    private func deleteRemoteObject(_ remote: String) async {
        let size = try? await store.stat(key: remote).size
        do {
            try await withRetries(.delete, key: remote) { () async throws(ObjectStoreError) in
                try await store.delete(key: remote)
            }
            if let size { metrics.addBytes { $0.deletedRemotely += size } }
        } catch {
            logger.warning("could not delete a remote object after a failed upload", metadata: ["key": "\(remote)", "error": "\(error)"])
            await orphans.recordDurably(KnownOrphan(key: remote, reason: "deleting it after a failed flush failed: \(error.message)",
                                       code: error.storeError?.code.rawValue ?? error.code.rawValue))
        }
    }
}
