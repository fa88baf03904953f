public import ObjectStore
import Platform

/// Moves files between a local directory and S3 with ``S3Store``: our side of the upload and
/// download benchmarks, run in a child process (`flushbench bench transfer-worker`) so its
/// peak memory is measured like the other tools'.
public struct S3TransferWorker: Sendable {
    /// Files moved at once.
    public var filesInFlight: Int
    /// Part size (upload) or range size (download), and parts or ranges in flight per file.
    public var options: WriteOptions

    /// Creates a worker.
    ///
    /// - Parameters:
    ///   - filesInFlight: files moved at once.
    ///   - options: part size and parts in flight per file (the expected size is set per file).
    public init(filesInFlight: Int = 8, options: WriteOptions = WriteOptions()) {
        self.filesInFlight = max(1, filesInFlight)
        self.options = options
    }

    /// Creates a worker from plain numbers (for callers that do not import ObjectStore).
    public init(filesInFlight: Int, partSize: Int, partConcurrency: Int) {
        self.init(filesInFlight: filesInFlight, options: WriteOptions(partSize: partSize, concurrency: partConcurrency))
    }

    /// The store on the S3 server named by the standard AWS environment variables.
    ///
    /// - Errors: `invalidArgument` when `AWS_ENDPOINT_URL` or a key is missing.
    public static func storeFromEnvironment(bucket: String) throws -> S3Store {
        guard let configuration = try S3Configuration.fromEnvironment(bucket: bucket) else {
            throw ObjectStoreError(code: .invalidArgument, operation: .write, key: nil,
                                   message: "the transfer worker needs AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        return S3Store(configuration: configuration)
    }

    /// Uploads every regular file of `directory` as `keyPrefix + name`.
    ///
    /// - Returns: the bytes uploaded.
    /// - Errors: ``LocalFileError`` when a file cannot be read; ``ObjectStoreError`` when an
    ///   upload fails (its multipart upload is aborted first).
    public func upload(directory: String, to store: any ObjectStore, keyPrefix: String) async throws -> UInt64 {
        let names = try await BlockingIO.run { try LocalFiles.listDirectory(directory) }.sorted()
        return try await forEach(names) { name in
            try await uploadFile(path: directory + "/" + name, key: keyPrefix + name, store: store)
        }
    }

    /// Downloads every object under `keyPrefix` into `directory` (named without the prefix).
    ///
    /// - Returns: the bytes downloaded.
    /// - Errors: ``ObjectStoreError`` when a read fails; ``LocalFileError`` when a file cannot
    ///   be written.
    public func download(from store: any ObjectStore, keyPrefix: String, into directory: String) async throws -> UInt64 {
        let objects = try await store.list(prefix: keyPrefix)
        try await BlockingIO.run { try LocalFiles.createDirectories(directory) }
        return try await forEach(objects) { object in
            try await downloadObject(object, from: store, to: directory + "/" + object.key.dropFirst(keyPrefix.count))
        }
    }

    /// Runs `body` for every element, ``filesInFlight`` at a time, and adds up the results.
    private func forEach<Element: Sendable>(_ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> UInt64) async throws -> UInt64 {
        try await BoundedConcurrency.map(elements, limit: filesInFlight, body).reduce(0, +)
    }

    /// Uploads one file: straight from the file for ``S3Store``, otherwise through a writer one
    /// part-sized read at a time.
    private func uploadFile(path: String, key: String, store: any ObjectStore) async throws -> UInt64 {
        if let s3 = store as? S3Store {
            return try await s3.upload(file: path, key: key, options: options).size
        }
        let file = try await BlockingIO.run { try LocalFile.openForReading(path) }
        defer { file.close() }
        let size = try await BlockingIO.run { try file.size() }
        var options = self.options
        options.expectedSize = size
        let writer = try await store.makeWriter(key: key, options: options)
        do {
            var offset: UInt64 = 0
            let chunk = max(options.partSize, 1 << 20)
            while offset < size {
                let count = Int(min(UInt64(chunk), size - offset))
                let at = offset
                let bytes = try await BlockingIO.run { try file.read(at: at, count: count) }
                try await writer.write(bytes)
                offset += UInt64(count)
            }
            _ = try await writer.close()
        } catch {
            await writer.abort()
            throw error
        }
        return size
    }

    /// Reads one object by ranges (up to ``WriteOptions/concurrency`` in flight) into a file:
    /// written by libcurl's thread as it arrives for ``S3Store``, through memory otherwise.
    private func downloadObject(_ object: ObjectInfo, from store: any ObjectStore, to path: String) async throws -> UInt64 {
        if let s3 = store as? S3Store {
            return try await s3.download(key: object.key, to: path, size: object.size, options: options)
        }
        let file = try await BlockingIO.run { try LocalFile.create(path) }
        defer { file.close() }
        let chunk = UInt64(max(options.partSize, 1 << 20))
        let ranges = stride(from: UInt64(0), to: object.size, by: Int(chunk)).map { $0..<min($0 + chunk, object.size) }
        let key = object.key
        let worker = S3TransferWorker(filesInFlight: options.concurrency, options: options)
        _ = try await worker.forEach(ranges) { range in
            let bytes = try await store.read(key: key, range: range)
            try await BlockingIO.run { try file.write(bytes, at: range.lowerBound) }
            return UInt64(bytes.count)
        }
        return object.size
    }
}
