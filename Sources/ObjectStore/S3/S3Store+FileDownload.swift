import Foundation
import Platform

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
        let request = HTTPRequest(
            method: "GET", url: url(forKey: key),
            headers: [("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"),
                      ("x-amz-content-sha256", Self.emptySHA256Hex)],
            responseFile: FileRange(descriptor: file.descriptor, offset: range.lowerBound, length: range.count))
        let response = try await send(request, operation: .read, action: "GetObject", key: key)
        guard response.bytesWrittenToFile == range.count else {
            throw ObjectStoreError(code: .io, operation: .read, key: key,
                                   message: "GetObject \(errors.target(key)) bytes \(range.lowerBound)..<\(range.upperBound): got \(response.bytesWrittenToFile) bytes; the object changed or the transfer was cut",
                                   isTransient: true)
        }
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
