public import ObjectStore
import Platform

/// Moves files between a local directory and a store through the store's range transfers
/// (``ObjectStore/upload(from:range:key:options:)``, ``ObjectStore/read(key:range:into:at:)``):
/// the bare-store side of the upload and download benchmarks, run in a child process
/// (`flushbench bench transfer-worker`) so its peak memory is measured like the other tools'.
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

    /// Uploads one file through the store's range upload (for ``S3Store``: streamed from the
    /// descriptor as it is sent).
    private func uploadFile(path: String, key: String, store: any ObjectStore) async throws -> UInt64 {
        let file = try await BlockingIO.run { try LocalFile.openForReading(path) }
        defer { file.close() }
        let size = try await BlockingIO.run { try file.size() }
        return try await store.upload(from: file, range: 0..<size, key: key, options: options).size
    }

    /// Reads one object by ranges (up to ``WriteOptions/concurrency`` in flight) into a new file
    /// through the store's range read (for ``S3Store``: written by libcurl's thread as it
    /// arrives). A failed download removes the file.
    private func downloadObject(_ object: ObjectInfo, from store: any ObjectStore, to path: String) async throws -> UInt64 {
        let file = try await BlockingIO.run { try LocalFile.create(path) }
        let chunk = UInt64(max(options.partSize, 1 << 20))
        let ranges = stride(from: UInt64(0), to: object.size, by: Int(chunk)).map { $0..<min($0 + chunk, object.size) }
        let key = object.key
        do {
            try await BoundedConcurrency.forEach(ranges, limit: max(1, options.concurrency)) { (range) async throws(ObjectStoreError) in
                let written = try await store.read(key: key, range: range, into: file, at: range.lowerBound)
                guard written == UInt64(range.count) else {
                    throw ObjectStoreError(code: .io, operation: .read, key: key,
                                           message: "read of '\(key)' bytes \(range): got \(written) bytes; the object changed during the download")
                }
            }
            file.close()
            return object.size
        } catch {
            file.close()
            _ = try? await BlockingIO.runToCompletion { try LocalFiles.remove(path) }
            throw error
        }
    }
}
