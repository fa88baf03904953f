import Foundation
public import Platform

extension S3Store {
    /// Downloads `key` into a new local file at `path`, writing each range as it arrives.
    ///
    /// The counterpart of ``upload(file:key:options:)`` for a cache that fills files: ranges of
    /// ``WriteOptions/partSize`` bytes are fetched with up to ``WriteOptions/concurrency`` in
    /// flight, and libcurl's thread writes every received block straight into the file at its
    /// offset, so no range is held in memory. The file is created exclusively (an existing
    /// file is an error) and removed again when the download fails.
    ///
    /// - Parameters:
    ///   - key: the object to read.
    ///   - path: the file to create.
    ///   - size: the object's size when the caller knows it (from a listing); else a HEAD
    ///     request finds it.
    ///   - options: range size and ranges in flight.
    /// - Returns: the bytes written.
    /// - Errors: `notFound` when the object does not exist; `io` when the file cannot be
    ///   created or written, or the server sends other bytes than asked for; any S3 error.
    @discardableResult
    public func download(key: String, to path: String, size: UInt64? = nil,
                         options: WriteOptions = WriteOptions()) async throws(ObjectStoreError) -> UInt64 {
        try ObjectKey.validate(key, operation: .read)
        let total: UInt64
        if let size { total = size } else { total = try await stat(key: key).size }
        let file = try await localFileOperation(.read, path: path, key: key) { try LocalFile.create(path) }
        do {
            let chunk = UInt64(max(options.partSize, 1 << 20))
            let ranges = stride(from: UInt64(0), to: total, by: Int(chunk)).map { $0..<min($0 + chunk, total) }
            try await readRanges(ranges, of: key, into: file, concurrency: max(1, options.concurrency))
            file.close()
            return total
        } catch {
            file.close()
            // Clean-up: runs even when the download failed because the task was cancelled.
            _ = try? await BlockingIO.runToCompletion { try LocalFiles.remove(path) }
            throw error
        }
    }

    /// Fetches `ranges` of `key` into `file`, `concurrency` at a time.
    private func readRanges(_ ranges: [Range<UInt64>], of key: String, into file: LocalFile, concurrency: Int) async throws(ObjectStoreError) {
        try await BoundedConcurrency.forEach(ranges, limit: concurrency) { (range) async throws(ObjectStoreError) in
            try await self.readRange(range, of: key, into: file)
        }
    }

    private func readRange(_ range: Range<UInt64>, of key: String, into file: LocalFile) async throws(ObjectStoreError) {
        let written = try await readRange(range, of: key, into: file, at: range.lowerBound, allowShort: false)
        guard written == range.count else {
            throw ObjectStoreError(code: .io, operation: .read, key: key,
                                   message: "GetObject \(errors.target(key)) bytes \(range.lowerBound)..<\(range.upperBound): got \(written) bytes; the object changed or the transfer was cut",
                                   isTransient: true)
        }
    }

    /// Reads `range` of `key` into `file` at `offset`, each received block written on libcurl's
    /// thread as it arrives: no copy of the range is held in memory.
    ///
    /// - Errors: see ``ObjectStore/read(key:range:into:at:)``.
    public func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        try ObjectKey.validate(key, operation: .read)
        if range.isEmpty {
            _ = try await stat(key: key)
            return 0
        }
        return try await readRange(range, of: key, into: file, at: offset, allowShort: true)
    }

    /// One ranged GET into `file` at `offset`.
    ///
    /// - Parameter allowShort: whether fewer bytes than asked for are right when the object
    ///   ends first (the answer's `Content-Range` says where it ends); otherwise the caller
    ///   checks the count.
    /// - Returns: the bytes written.
    private func readRange(_ range: Range<UInt64>, of key: String, into file: LocalFile, at offset: UInt64,
                           allowShort: Bool) async throws(ObjectStoreError) -> UInt64 {
        // An upper bound past what a signed 64-bit server parses means "to the end".
        let last = range.upperBound - 1 <= UInt64(Int64.max) ? String(range.upperBound - 1) : ""
        let length = Int(min(UInt64(range.count), UInt64(Int.max)))
        let request = HTTPRequest(
            method: "GET", url: url(forKey: key),
            headers: [("Range", "bytes=\(range.lowerBound)-\(last)"),
                      ("x-amz-content-sha256", Self.emptySHA256Hex)],
            responseFile: FileRange(descriptor: file.descriptor, offset: offset, length: length),
            responseFromObjectStart: range.lowerBound == 0)
        let response = try await send(request, operation: .read, action: "GetObject", key: key, accepting: allowShort ? [416] : [])
        if response.status == 416 {
            // Past the end, or any range of an empty object: only the latter is a valid read.
            let info = try await stat(key: key)
            if info.size == 0 && range.lowerBound == 0 { return 0 }
            throw ObjectStoreError(code: .invalidRange, operation: .read, key: key,
                                   message: "GetObject \(errors.target(key)) at \(range.lowerBound): the object has only \(info.size) bytes",
                                   httpStatus: 416)
        }
        let written = UInt64(response.bytesWrittenToFile)
        if allowShort, written < UInt64(range.count) {
            // Short is right only where the object ends: `Content-Range: bytes a-b/total`.
            let total = response.header("content-range").flatMap { $0.split(separator: "/").last }.flatMap { UInt64($0) }
                ?? (response.status == 200 ? written : nil)
            guard let total, range.lowerBound + written == total else {
                throw ObjectStoreError(code: .io, operation: .read, key: key,
                                       message: "GetObject \(errors.target(key)) bytes \(range.lowerBound)..<\(range.upperBound): got \(written) bytes, and the object does not end there; the transfer was cut",
                                       isTransient: true)
            }
        }
        return written
    }

    /// Runs a local-file step of a file transfer on the blocking-I/O pool: the one place that
    /// turns its failure into a store error of `operation` that names the file and the object.
    func localFileOperation<T: Sendable>(_ operation: ObjectStoreError.Operation, path: String, key: String,
                                         _ body: @escaping @Sendable () throws -> T) async throws(ObjectStoreError) -> T {
        do {
            return try await BlockingIO.run(body)
        } catch is CancellationError {
            throw .cancelled(operation, key: key)
        } catch {
            let role = operation == .write ? "the source of the upload to" : "the destination of"
            throw ObjectStoreError(code: .io, operation: operation, key: key,
                                   message: "local file '\(path)', \(role) \(errors.target(key)): \(error)", cause: error)
        }
    }
}
