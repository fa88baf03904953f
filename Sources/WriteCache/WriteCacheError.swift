public import ObjectStore
import Platform

/// A failed cache operation.
///
/// ``code`` is a stable label for metrics; ``message`` names the operation and the file and says
/// what happened; ``cause`` keeps the underlying store, file or producer error.
public struct WriteCacheError: Error, Sendable, CustomStringConvertible {
    /// A stable name of what went wrong.
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A local file operation failed (disk full, permissions, ...).
        public static let io = Code("io")
        /// Another process holds the cache directory.
        public static let locked = Code("locked")
        /// The file is not in the cache.
        public static let notCached = Code("not_cached")
        /// The SST producer failed while writing.
        public static let producer = Code("producer")
        /// The remote store failed (the cause holds its error).
        public static let store = Code("store")
        /// An upload was acknowledged but the remote object's size or checksum is wrong.
        public static let verification = Code("verification")
        /// The operation was cancelled.
        public static let cancelled = Code("cancelled")
        /// The configuration is unusable.
        public static let configuration = Code("configuration")
        /// A write found no room: the capacity stayed taken by pinned files and other writes for
        /// the whole reservation wait, or the file is larger than the capacity.
        public static let capacity = Code("capacity")
    }

    /// What went wrong.
    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The file concerned, if any.
    public var key: FileKey?
    /// The underlying error.
    public var cause: (any Error)?

    public init(code: Code, message: String, key: FileKey? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.key = key
        self.cause = cause
    }

    /// The store error behind this one, if any (looking through a cache error it wraps, as a
    /// verification failure wraps its failed stat).
    public var storeError: ObjectStoreError? {
        if let store = cause as? ObjectStoreError { return store }
        return (cause as? WriteCacheError)?.storeError
    }

    /// Whether a retry of the whole operation could succeed.
    public var isTransient: Bool {
        switch code {
        // A wrong size or checksum may be cured by uploading again; a verifying stat that was
        // denied or found nothing is as permanent as its cause.
        case .verification: return storeError?.isTransient ?? true
        case .store: return storeError?.isTransient ?? false
        default: return false
        }
    }

    /// Whether a cached file was missing from disk (its index entry is stale).
    var isVanishedFile: Bool {
        code == .io && (cause as? LocalFileError)?.code == .notFound
    }

    public var description: String {
        var text = "\(message) [\(code)]"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
