import Foundation
public import ObjectStore
import Platform
import WriteCache

/// The write cache's side of the upload and download benchmarks (`flushbench-cache`): files
/// already in a cache directory uploaded by a ``WriteCache`` with verification, or objects
/// downloaded by it into a cache, committed and indexed. Run in a child process like the other
/// tools, so its wall time and peak RSS are measured the same way.
public struct CacheTransferWorker: Sendable {
    /// Files moved at once.
    public var filesInFlight: Int
    /// Part (upload) or range (download) size in bytes.
    public var partSize: Int
    /// Parts (upload) or ranges (download) in flight per file.
    public var partConcurrency: Int

    /// Creates a worker.
    public init(filesInFlight: Int, partSize: Int, partConcurrency: Int) {
        self.filesInFlight = max(1, filesInFlight)
        self.partSize = max(1, partSize)
        self.partConcurrency = max(1, partConcurrency)
    }

    /// The cache's configuration: the worker's sizes, verification on, the bench's prefix.
    private func configuration(remotePrefix: String) -> WriteCacheConfiguration {
        WriteCacheConfiguration(partSize: partSize, uploadConcurrency: partConcurrency, downloadChunkSize: partSize,
                                downloadConcurrency: partConcurrency, verifyUploads: true, remotePrefix: remotePrefix)
    }

    /// Opens the cache at `directory` (indexing what it holds) and uploads every cached file
    /// under `remotePrefix`, verified.
    ///
    /// - Returns: the bytes uploaded.
    /// - Errors: ``WriteCacheError`` when the cache cannot open or an upload fails.
    public func upload(cacheDirectory directory: String, to store: any ObjectStore, remotePrefix: String) async throws -> UInt64 {
        let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory, capacity: 1 << 50))
        defer { fileCache.close() }
        let cache = WriteCache(fileCache: fileCache, store: store, configuration: configuration(remotePrefix: remotePrefix))
        let keys = fileCache.snapshot().keys.sorted { $0.fileName < $1.fileName }
        return try await BoundedConcurrency.map(keys, limit: filesInFlight) { key in
            try await cache.upload(key).size
        }.reduce(0, +)
    }

    /// Downloads every object under `remotePrefix` (keys as the cache names them:
    /// `{region}/{uuid}.{type}`) into a cache at `directory`, committed and indexed.
    ///
    /// - Returns: the bytes downloaded.
    /// - Errors: ``WriteCacheError`` when a download fails; ``ObjectStoreError`` when the
    ///   listing fails or names an object the cache cannot hold.
    public func download(from store: any ObjectStore, remotePrefix: String, into directory: String) async throws -> UInt64 {
        let objects = try await store.list(prefix: remotePrefix)
        var keys: [FileKey] = []
        for object in objects {
            let name = object.key.dropFirst(remotePrefix.count).replacingOccurrences(of: "/", with: ".")
            guard let key = FileKey(fileName: name) else {
                throw ObjectStoreError(code: .invalidKey, operation: .list, key: object.key,
                                       message: "'\(object.key)' under '\(remotePrefix)' is not named as the cache names files ({region}/{uuid}.{type})")
            }
            keys.append(key)
        }
        let total = objects.reduce(UInt64(0)) { $0 + $1.size }
        let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory, capacity: max(total * 2, 1 << 30)))
        defer { fileCache.close() }
        let cache = WriteCache(fileCache: fileCache, store: store, configuration: configuration(remotePrefix: remotePrefix))
        return try await BoundedConcurrency.map(keys, limit: filesInFlight) { key in
            try await cache.download(key)
        }.reduce(0, +)
    }

    /// The cache key the benchmarks give file number `index`: a stable region and UUID, so
    /// every round and both directions name it alike.
    static func key(forFile index: Int) -> FileKey {
        let uuid = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", index))!
        return FileKey(region: UInt64(index % 4), fileID: uuid, type: .parquet)
    }
}
