#if canImport(Glibc)
import Glibc
#endif

/// A failed operation on a local file or directory.
///
/// Shaped like NIOFS's `FileSystemError`: a code that is safe as a metrics label, a message a
/// person can act on, the path and the operation, and the underlying `errno`.
public struct LocalFileError: Error, Sendable, CustomStringConvertible {
    /// A stable, low-cardinality name of what went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file or directory does not exist.
        public static let notFound = Code("not_found")
        /// A file exists where a new one was to be created.
        public static let alreadyExists = Code("already_exists")
        /// The process may not access the path.
        public static let permissionDenied = Code("permission_denied")
        /// The disk is full or a quota was hit.
        public static let noSpace = Code("no_space")
        /// Another process holds the lock.
        public static let locked = Code("locked")
        /// Any other I/O error.
        public static let io = Code("io")
    }

    /// What went wrong, as a metrics label.
    public var code: Code
    /// The system call or step that failed (`open`, `pwrite`, `fsync`, `rename`, ...).
    public var operation: String
    /// The path it failed on.
    public var path: String
    /// The `errno` value, when a system call failed.
    public var errno: Int32?
    /// A sentence a person can act on.
    public var message: String

    /// Creates an error from a failed system call's `errno`.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
        switch errno {
        case ENOENT: self.code = .notFound
        case EEXIST: self.code = .alreadyExists
        case EACCES, EPERM: self.code = .permissionDenied
        case ENOSPC, EDQUOT: self.code = .noSpace
        case EWOULDBLOCK: self.code = .locked
        default: self.code = .io
        }
        self.message = "\(operation) failed for '\(path)': \(String(cString: strerror(errno)))"
    }

    /// Creates an error with an explicit code and message.
    public init(code: Code, operation: String, path: String, message: String) {
        self.code = code
        self.operation = operation
        self.path = path
        self.errno = nil
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
