/// A failed object-store operation.
///
/// Shaped like NIOFS's `FileSystemError`: ``code`` is a stable, low-cardinality name that is safe
/// as a metrics label; ``message`` names the operation and the key and says what to do; the
/// ``cause`` keeps the underlying error. No message ever contains a credential.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// A stable name of what went wrong (an S3 error code where there is one).
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        // Permanent: retrying cannot help.
        /// The object does not exist (S3 `NoSuchKey`, 404).
        public static let notFound: Code = "NoSuchKey"
        /// The bucket does not exist.
        public static let noSuchBucket: Code = "NoSuchBucket"
        /// Credentials were refused (403).
        public static let accessDenied: Code = "AccessDenied"
        /// The request was malformed (400).
        public static let invalidArgument: Code = "InvalidArgument"
        /// The key cannot be stored (escapes the root, empty, contains NUL).
        public static let invalidKey: Code = "InvalidKey"
        /// A read started past the end of the object (416).
        public static let invalidRange: Code = "InvalidRange"
        /// The store rejected the data's checksum.
        public static let badDigest: Code = "BadDigest"
        /// A multipart part was smaller than the store allows.
        public static let entityTooSmall: Code = "EntityTooSmall"
        /// The caller cancelled the operation.
        public static let cancelled: Code = "Cancelled"
        /// A local file operation failed (file-system store).
        public static let io: Code = "IOError"
        /// The client could not make the request at all, and a retry would fail the same way: a
        /// malformed URL, an unsupported protocol, a TLS certificate that fails verification, a
        /// request body that cannot be sent again.
        public static let transport: Code = "TransportError"

        // Transient: a retry after a back-off can succeed.
        /// The store asks the client to slow down (503, honour `Retry-After`).
        public static let slowDown: Code = "SlowDown"
        /// The store failed internally (500).
        public static let internalError: Code = "InternalError"
        /// The store is unavailable (503).
        public static let serviceUnavailable: Code = "ServiceUnavailable"
        /// The request took too long on the server side.
        public static let requestTimeout: Code = "RequestTimeout"
        /// Too many requests (429).
        public static let tooManyRequests: Code = "TooManyRequests"
        /// The connection failed, was refused or was reset.
        public static let connection: Code = "ConnectionError"
        /// The client's deadline passed (connect timeout, request deadline, low-speed limit).
        public static let timeout: Code = "Timeout"

        /// Codes that a retry can cure.
        public static let transientCodes: Set<Code> = [
            .slowDown, .internalError, .serviceUnavailable, .requestTimeout, .tooManyRequests,
            .connection, .timeout,
        ]
    }

    /// An operation on a store; also the operations a fault rule selects.
    public enum Operation: String, Sendable, Codable, CaseIterable {
        case write, read, stat, delete, list
        /// Discarding an upload in progress (a writer's abort, an incomplete upload's abort).
        case abort
    }

    /// What went wrong.
    public var code: Code
    /// The operation that failed.
    public var operation: Operation
    /// The key it failed on, if any.
    public var key: String?
    /// A sentence a person can act on.
    public var message: String
    /// Whether a retry can help. Defaults from ``code``.
    public var isTransient: Bool
    /// How long the store asked the client to wait before retrying (`Retry-After`).
    public var retryAfter: Duration?
    /// The HTTP status, when the error came from an HTTP response.
    public var httpStatus: Int?
    /// The underlying error.
    public var cause: (any Error)?
    /// What a failed write left on the store and could not clean up (incomplete multipart
    /// uploads, with their ids), for the caller to record as known orphans; `nil` when the
    /// clean-up succeeded or there was nothing to clean up.
    public var leftovers: WriteLeftovers?

    /// Creates an error; `isTransient` defaults to whether `code` is in ``Code/transientCodes``.
    public init(
        code: Code,
        operation: Operation,
        key: String?,
        message: String,
        isTransient: Bool? = nil,
        retryAfter: Duration? = nil,
        httpStatus: Int? = nil,
        cause: (any Error)? = nil,
        leftovers: WriteLeftovers? = nil
    ) {
        self.code = code
        self.operation = operation
        self.key = key
        self.message = message
        self.isTransient = isTransient ?? Code.transientCodes.contains(code)
        self.retryAfter = retryAfter
        self.httpStatus = httpStatus
        self.cause = cause
        self.leftovers = leftovers
    }

    /// Whether the request may have taken effect although it failed: no HTTP answer arrived
    /// (a lost reply, a timeout) or the server failed internally (5xx). A definite 4xx means
    /// the server did nothing.
    public var mayHaveTakenEffect: Bool {
        guard let httpStatus else { return code != .invalidKey && code != .io && code != .transport }
        return httpStatus >= 500
    }

    /// This error with the leftovers of `cleanupFailure` (a failed clean-up after it) attached,
    /// and its message extended by what the clean-up could not do.
    public func addingLeftovers(of cleanupFailure: ObjectStoreError?) -> ObjectStoreError {
        guard let cleanupFailure else { return self }
        var error = self
        error.leftovers = cleanupFailure.leftovers ?? WriteLeftovers(uploads: [], mayHaveMore: true)
        error.message += "; the clean-up after it failed too: \(cleanupFailure.message)"
        return error
    }

    /// `notFound` for `key`.
    public static func notFound(_ operation: Operation, key: String, store: String) -> ObjectStoreError {
        ObjectStoreError(code: .notFound, operation: operation, key: key,
                         message: "\(operation) '\(key)' in the \(store) store: no such object")
    }

    /// `cancelled` for `key`.
    public static func cancelled(_ operation: Operation, key: String?) -> ObjectStoreError {
        ObjectStoreError(code: .cancelled, operation: operation, key: key,
                         message: "\(operation) '\(key ?? "")' was cancelled")
    }

    public var description: String {
        var text = "\(message) [\(code)\(isTransient ? ", transient" : "")]"
        if let cause, !(cause is ObjectStoreError) { text += " (cause: \(cause))" }
        return text
    }
}

/// What a failed write left on a store and could not remove.
public struct WriteLeftovers: Sendable, Hashable {
    /// Incomplete multipart uploads that could not be aborted, each with its upload id.
    public var uploads: [IncompleteUpload]
    /// Whether there may be more than ``uploads``: the store could not list the key's
    /// incomplete uploads, after a request that may have started one.
    public var mayHaveMore: Bool

    /// Creates a record of leftovers.
    public init(uploads: [IncompleteUpload], mayHaveMore: Bool) {
        self.uploads = uploads
        self.mayHaveMore = mayHaveMore
    }
}
