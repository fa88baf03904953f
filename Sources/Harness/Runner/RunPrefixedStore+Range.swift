import ObjectStore
import Platform

extension RunPrefixedStore {
    /// The inner store's range upload under the run's key; reports the seeded key.
    func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        var info = try await inner.upload(from: file, range: range, key: keys.realKey(key), options: options)
        info.key = key
        return info
    }

    /// The inner store's read into a file, of the run's key.
    func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        try await inner.read(key: keys.realKey(key), range: range, into: file, at: offset)
    }
}
