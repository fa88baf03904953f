public import ObjectStore
import Platform

/// Uploads local files to S3 with ``S3Store``: our side of the upload benchmark, run in a child
/// process (`flushbench bench upload-worker`) so its peak memory is measured like the other
/// tools'.
public struct S3UploadWorker: Sendable {
    /// Files uploaded at once.
    public var filesInFlight: Int
    /// Part size and parts in flight per file.
    public var options: WriteOptions

    /// Creates a worker.
    ///
    /// - Parameters:
    ///   - filesInFlight: files uploaded at once.
    ///   - options: part size and parts in flight per file (the expected size is set per file).
    public init(filesInFlight: Int = 8, options: WriteOptions = WriteOptions()) {
        self.filesInFlight = max(1, filesInFlight)
        self.options = options
    }

    /// Creates a worker from plain numbers (for callers that do not import ObjectStore).
    public init(filesInFlight: Int, partSize: Int, partConcurrency: Int) {
        self.init(filesInFlight: filesInFlight, options: WriteOptions(partSize: partSize, concurrency: partConcurrency))
    }

    /// Uploads every file of `directory` to `bucket` on the S3 server named by the standard
    /// AWS environment variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, ...).
    ///
    /// - Returns: the bytes uploaded.
    /// - Errors: `invalidArgument` when `AWS_ENDPOINT_URL` or a key is missing; as
    ///   ``upload(directory:to:keyPrefix:)``.
    public func uploadUsingEnvironment(directory: String, bucket: String, keyPrefix: String) async throws -> UInt64 {
        guard let configuration = try S3Configuration.fromEnvironment(bucket: bucket) else {
            throw ObjectStoreError(code: .invalidArgument, operation: .write, key: nil,
                                   message: "upload-worker needs AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        return try await upload(directory: directory, to: S3Store(configuration: configuration), keyPrefix: keyPrefix)
    }

    /// Uploads every regular file of `directory` as `keyPrefix + name`.
    ///
    /// - Returns: the bytes uploaded.
    /// - Errors: ``LocalFileError`` when a file cannot be read; ``ObjectStoreError`` when an
    ///   upload fails (its multipart upload is aborted first).
    public func upload(directory: String, to store: any ObjectStore, keyPrefix: String) async throws -> UInt64 {
        let names = try await BlockingIO.run { try LocalFiles.listDirectory(directory) }.sorted()
        var total: UInt64 = 0
        try await withThrowingTaskGroup(of: UInt64.self) { group in
            var next = 0
            func startNext() {
                guard next < names.count else { return }
                let name = names[next]
                next += 1
                group.addTask { try await uploadFile(path: directory + "/" + name, key: keyPrefix + name, store: store) }
            }
            for _ in 0..<filesInFlight { startNext() }
            while let bytes = try await group.next() {
                total += bytes
                startNext()
            }
        }
        return total
    }

    /// Streams one file into a writer, one part-sized read at a time.
    private func uploadFile(path: String, key: String, store: any ObjectStore) async throws -> UInt64 {
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
}
