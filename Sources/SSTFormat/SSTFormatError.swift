/// A failed SST encoding or decoding operation.
///
/// Shaped like ``ObjectStoreError`` elsewhere in the package: ``code`` is a stable name that is
/// safe as a metrics label, ``message`` names the operation and the file and says what is wrong,
/// and ``cause`` keeps the underlying error (a sink's write failure, a local file error).
public struct SSTFormatError: Error, Sendable, CustomStringConvertible {
    /// A stable, low-cardinality name of what went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// The caller's data does not fit the schema (column count, row count, type).
        public static let invalidInput: Code = "invalid_input"
        /// The bytes are not a Parquet or Puffin file (bad magic, too short).
        public static let notRecognized: Code = "not_recognized"
        /// The file's metadata is truncated or malformed.
        public static let corrupt: Code = "corrupt"
        /// A limit of the format was exceeded (a page over 2 GiB, a footer over 4 GiB).
        public static let limitExceeded: Code = "limit_exceeded"
        /// Writing to the sink or reading the file failed.
        public static let io: Code = "io"
    }

    /// What went wrong.
    public var code: Code
    /// The step that failed (`write parquet`, `read footer`, `read puffin`, ...).
    public var operation: String
    /// The file involved, when there is one.
    public var path: String?
    /// A sentence a person can act on.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    public init(code: Code, operation: String, path: String? = nil, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.operation = operation
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String {
        var text = "\(message) [\(code)]"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}
