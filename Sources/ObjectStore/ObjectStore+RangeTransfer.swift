public import Platform

/// The range transfers of stores that have no faster way: over the streaming writer and the
/// ranged reader. Also callable directly (``uploadThroughWriter(from:range:key:options:)``,
/// ``readThroughMemory(key:range:into:at:)``), so a caller can compare both paths.
extension ObjectStore {
    public func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        try await uploadThroughWriter(from: file, range: range, key: key, options: options)
    }

    public func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        try await readThroughMemory(key: key, range: range, into: file, at: offset)
    }

    /// Uploads `range` of `file` through ``makeWriter(key:options:)``: one part-sized read at a
    /// time off the cooperative pool, the next read overlapping the write of the current part.
    /// Memory: the writer's part × concurrency, plus two parts being read.
    ///
    /// - Errors: as ``upload(from:range:key:options:)``; the writer is aborted on any failure.
    public func uploadThroughWriter(from file: LocalFile, range: Range<UInt64>, key: String,
                                    options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        var options = options
        options.expectedSize = UInt64(range.count)
        let writer = try await makeWriter(key: key, options: options)
        return try await writer.upload(from: file, range: range, key: key, blockSize: options.partSize, progress: options.progress)
    }

    /// Reads `range` of `key` with ``read(key:range:)`` and writes it into `file` at `offset`.
    ///
    /// - Returns: the bytes written.
    public func readThroughMemory(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        let bytes = try await read(key: key, range: range)
        guard !bytes.isEmpty else { return 0 }
        do {
            try await BlockingIO.run { try file.write(bytes, at: offset) }
        } catch is CancellationError {
            throw .cancelled(.read, key: key)
        } catch {
            throw ObjectStoreError(code: .io, operation: .read, key: key,
                                   message: "read of '\(key)' bytes \(range): writing the local file '\(file.path)' at \(offset) failed: \(error)",
                                   cause: error)
        }
        return UInt64(bytes.count)
    }
}

extension ObjectWriter {
    /// Writes bytes `range` of `file` in reads of `blockSize` bytes (at least 4 KiB) off the
    /// cooperative pool, the next read overlapping the write of the current block, then closes
    /// the writer. Aborts it on any failure (what the abort could not discard travels in the
    /// error's ``ObjectStoreError/leftovers``).
    ///
    /// - Parameters:
    ///   - key: the object's key, for error messages.
    ///   - progress: counts each block once ``write(_:)`` took it.
    /// - Returns: what ``close()`` returns.
    public func upload(from file: LocalFile, range: Range<UInt64>, key: String, blockSize: Int,
                       progress: TransferProgress? = nil) async throws(ObjectStoreError) -> ObjectInfo {
        let chunk = UInt64(max(blockSize, 4096))
        do throws(ObjectStoreError) {
            var offset = range.lowerBound
            var next: Task<[UInt8], any Error>? = range.isEmpty ? nil : Self.readBlock(of: file, at: offset, count: min(chunk, range.upperBound - offset))
            while let pending = next {
                let block: [UInt8]
                do {
                    block = try await pending.value
                } catch {
                    throw Self.localFailure(error, reading: file, for: key)
                }
                guard !block.isEmpty else {
                    throw ObjectStoreError(code: .io, operation: .write, key: key,
                                           message: "upload of '\(file.path)' bytes \(range.lowerBound)..<\(range.upperBound) to '\(key)': the file ended at \(offset); it changed during the upload")
                }
                offset += UInt64(block.count)
                next = offset < range.upperBound ? Self.readBlock(of: file, at: offset, count: min(chunk, range.upperBound - offset)) : nil
                do throws(ObjectStoreError) {
                    try await write(block)
                    progress?.add(UInt64(block.count))
                } catch {
                    // The read ahead must end before the caller may close the file.
                    next?.cancel()
                    _ = try? await next?.value
                    throw error
                }
            }
            return try await close()
        } catch {
            await abort()
            throw error.addingLeftovers(of: abortFailure)
        }
    }

    private static func readBlock(of file: LocalFile, at offset: UInt64, count: UInt64) -> Task<[UInt8], any Error> {
        Task { try await BlockingIO.run { try file.read(at: offset, count: Int(count)) } }
    }

    private static func localFailure(_ error: any Error, reading file: LocalFile, for key: String) -> ObjectStoreError {
        if error is CancellationError { return .cancelled(.write, key: key) }
        return ObjectStoreError(code: .io, operation: .write, key: key,
                                message: "upload to '\(key)': reading the local file '\(file.path)' failed: \(error)", cause: error)
    }
}
