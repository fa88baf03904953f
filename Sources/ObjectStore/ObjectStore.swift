public import Platform

/// A remote object store: the one interface that memory, file-system and S3 stores implement.
///
/// Keys are `/`-separated relative paths (`"4294967297/4b1f....parquet"`). Writes stream:
/// ``makeWriter(key:options:)`` returns an ``ObjectWriter`` that takes chunks in order, commits
/// on ``ObjectWriter/close()`` and discards everything on ``ObjectWriter/abort()``; a reader
/// never sees a half-written object. Reads are ranged so large objects can be fetched with
/// several requests in flight and memory bounded by the range size.
///
/// Every method throws ``ObjectStoreError``, whose ``ObjectStoreError/isTransient`` tells the
/// caller whether a retry can help.
public protocol ObjectStore: Sendable {
    /// A short name for logs and reports (`memory`, `fs`, `s3`).
    var kind: String { get }

    /// Starts writing `key`. Nothing is visible until the writer's `close()` succeeds.
    ///
    /// - Parameters:
    ///   - key: the object's key.
    ///   - options: the expected size, part size and parallelism of the upload.
    /// - Errors: `invalidKey` for a key the store cannot hold; transport errors where starting a
    ///   write needs a request (S3 multipart create).
    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter

    /// Reads the bytes of `key` in `range` (byte offsets, upper bound exclusive).
    ///
    /// A range whose upper bound lies past the end is cut at the end; an empty range returns no
    /// bytes.
    /// - Errors: `notFound` when the object does not exist; `invalidRange` when
    ///   `range.lowerBound` is past the end of a non-empty object.
    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8]

    /// The size and, where the store keeps one, the checksum of `key`.
    ///
    /// - Errors: `notFound` when the object does not exist.
    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo

    /// Deletes `key`. Deleting a missing key succeeds (like S3), so clean-up is idempotent.
    func delete(key: String) async throws(ObjectStoreError)

    /// Every object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo]

    /// Uploads that were started under `prefix` and neither completed nor aborted (S3
    /// multipart uploads). Stores without such uploads return none.
    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload]

    /// Aborts an incomplete upload found by ``incompleteUploads(prefix:)``, freeing its parts.
    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError)

    /// Checks, before any work, that the store can be reached and used under `prefix` (the
    /// endpoint answers, the credentials are accepted, the bucket exists). The default lists
    /// `prefix`; see `ObjectStore+CheckAccess.swift`.
    func checkAccess(prefix: String) async throws(ObjectStoreError)

    /// Uploads bytes `range` of the local `file` as `key`, without holding the file in memory
    /// where the store can avoid it.
    ///
    /// The path for files that already sit on a local disk (a cache's SST files). S3 streams
    /// the range from the descriptor on libcurl's thread; the file-system store copies it in
    /// the kernel (`copy_file_range`); stores without a faster way use the default, which feeds
    /// ``makeWriter(key:options:)`` one part-sized read at a time (see
    /// `ObjectStore+RangeTransfer.swift`). The file must not change during the upload.
    ///
    /// - Parameters:
    ///   - file: an open file; the caller keeps it open until this returns.
    ///   - range: the bytes of the file that become the object (it may be empty).
    ///   - key: the object's key.
    ///   - options: part size and parts in flight (the expected size is the range's).
    /// - Returns: what the store acknowledged, as ``ObjectWriter/close()`` returns it.
    /// - Errors: `io` when the file cannot be read or ends before `range.upperBound`; any
    ///   error of a write. Nothing is left visible under `key` by a failed upload, and an
    ///   incomplete multipart upload is aborted (what cannot be is in the error's
    ///   ``ObjectStoreError/leftovers``).
    func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo

    /// Reads `range` of `key` into the local `file` at `offset`, without holding the range in
    /// memory where the store can avoid it.
    ///
    /// Like ``read(key:range:)``: a range past the end is cut at the end, an empty range writes
    /// nothing. S3 writes each received block at its offset on libcurl's thread; the file-system
    /// store copies in the kernel; the default reads the range into memory, then writes it.
    ///
    /// - Parameters:
    ///   - key: the object to read.
    ///   - range: its bytes to read.
    ///   - file: an open file, written at `offset ..< offset + count`; nothing else is touched.
    ///   - offset: where the first byte goes.
    /// - Returns: the bytes written (fewer than `range.count` only when the object ends first).
    /// - Errors: `notFound`; `invalidRange` as for ``read(key:range:)``; `io` when the file
    ///   cannot be written or the transfer was cut short (transient).
    func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64
}

extension ObjectStore {
    public func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] { [] }

    public func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {}

    /// Writes `bytes` to `key` in one call: a writer, one chunk, close.
    @discardableResult
    public func put(key: String, bytes: [UInt8], options: WriteOptions = WriteOptions()) async throws(ObjectStoreError) -> ObjectInfo {
        var options = options
        options.expectedSize = UInt64(bytes.count)
        let writer = try await makeWriter(key: key, options: options)
        do {
            try await writer.write(bytes)
            return try await writer.close()
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// Reads all of `key`. Only for small objects: large ones should be read by ranges.
    public func readAll(key: String) async throws(ObjectStoreError) -> [UInt8] {
        let info = try await stat(key: key)
        return try await read(key: key, range: 0..<info.size)
    }
}

/// A streaming write of one object.
///
/// Chunks are written in order by one task at a time; the writer may upload parts in the
/// background (S3 multipart, up to ``WriteOptions/concurrency`` parts in flight), so `write`
/// can return before the bytes reached the store and applies back-pressure when too many are
/// in flight. Memory stays bounded by part size × concurrency.
public protocol ObjectWriter: AnyObject, Sendable {
    /// Appends `chunk` to the object.
    func write(_ chunk: [UInt8]) async throws(ObjectStoreError)

    /// Waits for every outstanding part, then commits the object.
    ///
    /// - Returns: what the store acknowledged: size and, where the store computes one, checksum.
    func close() async throws(ObjectStoreError) -> ObjectInfo

    /// Discards everything written (and aborts a multipart upload). Never throws: a failed abort
    /// is reported through ``abortFailure``, so the caller can record a leftover.
    func abort() async

    /// Why the last ``abort()`` (or the abort after a failed write) could not discard
    /// everything, or `nil` when it did. Its ``ObjectStoreError/leftovers`` lists what is left
    /// (incomplete uploads with their ids), for the caller to record as known orphans.
    var abortFailure: ObjectStoreError? { get }
}

extension ObjectWriter {
    public var abortFailure: ObjectStoreError? { nil }
}

/// How an object is to be written.
public struct WriteOptions: Sendable, Equatable {
    /// The object's total size when known in advance (lets S3 choose a single PUT).
    public var expectedSize: UInt64?
    /// Size of each part of a multipart upload (at least 5 MiB on S3, except the last).
    public var partSize: Int
    /// Parts in flight at once.
    public var concurrency: Int
    /// Counts the bytes a range upload (``ObjectStore/upload(from:range:key:options:)``) has
    /// handed to the store so far, so a caller can account for what a failed attempt wasted.
    public var progress: TransferProgress?

    /// Creates write options; the defaults are the reference's 8 MiB × 8.
    public init(expectedSize: UInt64? = nil, partSize: Int = 8 << 20, concurrency: Int = 8, progress: TransferProgress? = nil) {
        self.expectedSize = expectedSize
        self.partSize = partSize
        self.concurrency = concurrency
        self.progress = progress
    }

    public static func == (lhs: WriteOptions, rhs: WriteOptions) -> Bool {
        lhs.expectedSize == rhs.expectedSize && lhs.partSize == rhs.partSize && lhs.concurrency == rhs.concurrency
            && lhs.progress === rhs.progress
    }
}

/// What a store knows of one object.
public struct ObjectInfo: Sendable, Hashable, Codable {
    /// The object's key.
    public var key: String
    /// Its size in bytes (64-bit: objects of more than 4 GiB are normal).
    public var size: UInt64
    /// Its checksum, when the store keeps one.
    public var checksum: Checksum?
    /// When it was last written, in seconds since the Unix epoch, where the store's listing
    /// says (S3 `LastModified`, an fs store's file time, a memory store's own clock): gc's
    /// grace period is measured from it. Not part of an object's identity (`==` ignores it).
    public var lastModified: Double?

    public init(key: String, size: UInt64, checksum: Checksum? = nil, lastModified: Double? = nil) {
        self.key = key
        self.size = size
        self.checksum = checksum
        self.lastModified = lastModified
    }

    public static func == (lhs: ObjectInfo, rhs: ObjectInfo) -> Bool {
        lhs.key == rhs.key && lhs.size == rhs.size && lhs.checksum == rhs.checksum
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(size)
        hasher.combine(checksum)
    }
}

/// A checksum as a store reports it, e.g. `sha256` of the whole object, or S3's composite
/// `sha256` of a multipart upload (`"<base64>-<parts>"`).
public struct Checksum: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The algorithm: `sha256`, `sha256-composite`, `md5`, ...
    public var algorithm: String
    /// The value, in the store's own encoding (base64 for S3).
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    public var description: String { "\(algorithm):\(value)" }
}

/// An upload that was started but neither completed nor aborted.
public struct IncompleteUpload: Sendable, Hashable {
    /// The key it would have created.
    public var key: String
    /// The store's id of the upload (S3 `UploadId`).
    public var uploadID: String

    public init(key: String, uploadID: String) {
        self.key = key
        self.uploadID = uploadID
    }
}
