import ObjectStore
import Platform

extension DeadlineStore {
    /// The inner store's range upload, ended by the deadline like every other call (so an S3
    /// store keeps streaming from the file instead of the default path through a writer).
    func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        let inner = self.inner
        return try await bounded(.write, key: key) { () async throws(ObjectStoreError) in
            try await inner.upload(from: file, range: range, key: key, options: options)
        }
    }

    /// The inner store's read into a file, ended by the deadline.
    func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        let inner = self.inner
        return try await bounded(.read, key: key) { () async throws(ObjectStoreError) in
            try await inner.read(key: key, range: range, into: file, at: offset)
        }
    }
}
