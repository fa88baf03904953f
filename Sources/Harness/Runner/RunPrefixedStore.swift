import ObjectStore

/// A store that puts one run's keys below its run id: the cache and the fault layer above it see
/// the seeded keys (`BASE/REGION/FILE`, the same every run, so faults and fingerprints repeat),
/// while the store below holds `BASE/RUN-ID/REGION/FILE`.
///
/// Keys outside the base prefix pass through unchanged; listings hide other runs' objects.
final class RunPrefixedStore: ObjectStore {
    let inner: any ObjectStore
    let keys: RunKeys

    init(wrapping inner: any ObjectStore, keys: RunKeys) {
        self.inner = inner
        self.keys = keys
    }

    var kind: String { inner.kind }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        RunPrefixedWriter(inner: try await inner.makeWriter(key: keys.realKey(key), options: options), key: key)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try await inner.read(key: keys.realKey(key), range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        var info = try await inner.stat(key: keys.realKey(key))
        info.key = key
        return info
    }

    func delete(key: String) async throws(ObjectStoreError) {
        try await inner.delete(key: keys.realKey(key))
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        try await inner.list(prefix: keys.realKey(prefix)).compactMap { info in
            guard let key = keys.seededKey(info.key) else { return nil }
            var seeded = info
            seeded.key = key
            return seeded
        }
    }

    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        try await inner.incompleteUploads(prefix: keys.realKey(prefix)).compactMap { upload in
            keys.seededKey(upload.key).map { IncompleteUpload(key: $0, uploadID: upload.uploadID) }
        }
    }

    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        try await inner.abortIncompleteUpload(IncompleteUpload(key: keys.realKey(upload.key), uploadID: upload.uploadID))
    }
}

/// A writer that reports the seeded key of what it wrote.
private final class RunPrefixedWriter: ObjectWriter {
    let inner: any ObjectWriter
    let key: String

    init(inner: any ObjectWriter, key: String) {
        self.inner = inner
        self.key = key
    }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        try await inner.write(chunk)
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        var info = try await inner.close()
        info.key = key
        return info
    }

    func abort() async {
        await inner.abort()
    }

    var abortFailure: ObjectStoreError? { inner.abortFailure }
}
