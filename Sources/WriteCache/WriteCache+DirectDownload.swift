import ObjectStore
import Platform

extension WriteCache {
    /// Reads `remote` straight into the cache writer's temp file with the store's range reads
    /// (S3: each block written at its offset on libcurl's thread), `downloadConcurrency` ranges
    /// of `downloadChunkSize` in flight, each retried on its own. No range is held in memory.
    ///
    /// When the store keeps a whole-object SHA-256, the file is hashed while it downloads: each
    /// range, once it and every range before it have landed, is read back (from the page cache)
    /// and hashed on the blocking-I/O pool, so the digest is ready soon after the last byte.
    ///
    /// - Errors: `store` when a read fails after its retries; `verification` when a range comes
    ///   back short or the digest differs from the store's; `io` when the file cannot be read
    ///   back.
    func fetchStraight(_ remote: String, info: ObjectInfo, into file: LocalFile, of writer: CacheFileWriter,
                       key: FileKey) async throws(WriteCacheError) {
        let size = info.size
        let chunk = UInt64(configuration.downloadChunkSize)
        let ranges = stride(from: UInt64(0), to: size, by: Int(chunk)).map { $0..<min($0 + chunk, size) }
        let expected = info.checksum.flatMap { $0.algorithm == "sha256" ? $0 : nil }
        let digest = expected.map { _ in RunningDigest(path: file.path, size: size) }
        do throws(WriteCacheError) {
            try await BoundedConcurrency.forEach(ranges, limit: configuration.downloadConcurrency) { [self] (range) async throws(WriteCacheError) in
                let written = try await withRetries(.read, key: remote) { () async throws(ObjectStoreError) in
                    try await store.read(key: remote, range: range, into: file, at: range.lowerBound)
                }
                guard written == UInt64(range.count) else {
                    throw WriteCacheError(code: .verification,
                                          message: "read of '\(remote)' at \(range) returned \(written) bytes, expected \(range.count)", key: key)
                }
                writer.noteWritten(written)
                metrics.addBytes { $0.downloaded += written }
                digest?.landed(range)
            }
        } catch {
            await digest?.cancel()
            throw error
        }
        guard let digest, let expected else { return }
        let actual: Checksum
        do {
            actual = try await digest.result()
        } catch {
            throw WriteCacheError(code: .io, message: "download of \(key): cannot read back '\(file.path)' to verify it: \(error)", key: key, cause: error)
        }
        guard actual == expected else {
            throw WriteCacheError(code: .verification,
                                  message: "download of \(key) from '\(remote)' has checksum \(actual), but the store reports \(expected)",
                                  key: key)
        }
    }
}
