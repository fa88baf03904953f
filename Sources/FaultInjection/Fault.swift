public import ObjectStore

/// The names of the fault kinds, as scenario files and traces spell them.
public enum FaultKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case latency, error, partial, torn, ackLost, bandwidth, hang, crash, corrupt
    /// Network layer only: the response body cut after `afterBytes`.
    case truncate
    /// Network layer only: a `200 OK` whose body is an S3 error document.
    case error200

    /// The operations a fault of this kind can affect; a rule for `"*"` hits only these.
    public var operations: [ObjectStoreError.Operation] {
        switch self {
        case .latency, .error, .hang, .crash: ObjectStoreError.Operation.allCases
        case .partial, .bandwidth, .corrupt: [.write, .read]
        case .torn: [.write]
        case .ackLost: [.write, .delete]
        case .truncate: [.write, .read, .list]
        case .error200: [.write]
        }
    }

    /// Whether only the network layer (the fault proxy) can inject this kind.
    public var isNetworkOnly: Bool { self == .truncate || self == .error200 }

    public static func < (lhs: FaultKind, rhs: FaultKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a fault rule does to an operation it hits.
///
/// Where each kind acts:
/// - `latency` delays the operation before it reaches the store (a write: before it commits).
/// - `error` fails the operation without performing it (a write: at `close()`, before the
///   commit; the inner upload stays open until the caller aborts, as an S3 multipart upload
///   would).
/// - `partial` cuts a write after ``Cut`` bytes: the store received that prefix, the failure
///   surfaces, nothing becomes visible, and the caller must abort the upload. A read is cut the
///   same way: its bytes are fetched, then the read fails mid-stream.
/// - `torn` acknowledges a write whose store kept only a prefix: `close()` reports the full
///   size and checksum; only a `stat` or a read shows the difference.
/// - `ackLost` performs the write or delete, then reports a (transient) failure.
/// - `bandwidth` paces a write's chunks or a read's bytes to `bytesPerSecond`.
/// - `hang` suspends until the caller cancels the task (its deadline), at most ``hang(limit:)``
///   or the store's hang limit, then fails with `Timeout`.
/// - `crash` calls the store's crash handler (by default the process exits with status 86).
/// - `corrupt` flips bytes, silently, at positions drawn from the seed: a read returns them
///   flipped; a write stores them flipped while `close()` acknowledges the size and checksum of
///   the bytes sent (as a store whose disk or network corrupted them would), so only a `stat`
///   (checksum) or a read shows the difference.
///
/// An `abort` (selected by `op: "abort"` only, never by `"*"`) can be hit by `latency`, `error`,
/// `hang` and `crash`: a failed abort leaves the upload open (listed by
/// ``FaultyStore/incompleteUploads(prefix:)``) and reports the error as the writer's
/// `abortFailure`, as an S3 `AbortMultipartUpload` that failed would.
public enum Fault: Sendable, Hashable {
    /// Delay the operation.
    case latency(LatencyDistribution)
    /// Fail the operation with an S3 error.
    case error(InjectedError)
    /// Cut the transfer after a prefix, then fail with `error`.
    case partial(Cut, error: InjectedError)
    /// Keep only a prefix, but acknowledge the whole object.
    case torn(Cut)
    /// Perform the operation, then fail with `error`.
    case ackLost(InjectedError)
    /// Limit the transfer rate.
    case bandwidth(bytesPerSecond: UInt64)
    /// Suspend until cancelled, at most `limit` (the store's limit when `nil`).
    case hang(limit: Duration?)
    /// Crash the process.
    case crash
    /// Network layer: cut the response body after a prefix and close the connection.
    case truncate(Cut)
    /// Network layer: answer `200 OK` with `error`'s XML document as the body (without
    /// forwarding the request), as S3 may answer CompleteMultipartUpload.
    case error200(InjectedError)
    /// Flip `bytes` bytes of the transfer (at least 1), silently.
    case corrupt(bytes: Int)

    /// The kind's name.
    public var kind: FaultKind {
        switch self {
        case .latency: .latency
        case .error: .error
        case .partial: .partial
        case .torn: .torn
        case .ackLost: .ackLost
        case .bandwidth: .bandwidth
        case .hang: .hang
        case .crash: .crash
        case .truncate: .truncate
        case .error200: .error200
        case .corrupt: .corrupt
        }
    }

    /// Whether the fault decides how the operation ends (only one such fault acts on an
    /// operation: the first rule's); latency and bandwidth only slow it down and stack.
    var isOutcome: Bool {
        switch self {
        case .latency, .bandwidth: false
        default: true
        }
    }

    func validate() throws(FaultRuleError) {
        func fail(_ field: String, _ message: String) -> FaultRuleError {
            FaultRuleError(ruleIndex: nil, field: field, message: message)
        }
        switch self {
        case .latency(let distribution):
            if let problem = distribution.problem() { throw fail(problem.field, problem.message) }
        case .partial(let cut, _), .torn(let cut), .truncate(let cut):
            if case .afterFraction(let fraction) = cut, !(0...1).contains(fraction) {
                throw fail("afterFraction", "expected a number between 0 and 1, found \(fraction)")
            }
        case .bandwidth(let rate) where rate == 0:
            throw fail("bytesPerSecond", "expected a positive rate such as \"8MiB\" (bytes per second)")
        case .hang(let limit?) where limit <= .zero:
            throw fail("max", "a hang's limit must be positive")
        case .corrupt(let bytes) where bytes < 1:
            throw fail("bytes", "expected a whole number of bytes to flip, at least 1, found \(bytes)")
        default:
            break
        }
    }
}

/// Where a `partial` or `torn` fault cuts an object.
public enum Cut: Sendable, Hashable {
    /// After this many bytes.
    case afterBytes(UInt64)
    /// After this fraction of the object's size (`0.5` = half).
    case afterFraction(Double)

    /// The cut's offset in an object of `total` bytes (never past the end).
    public func offset(total: UInt64) -> UInt64 {
        switch self {
        case .afterBytes(let bytes): return min(bytes, total)
        case .afterFraction(let fraction): return min(total, UInt64((Double(total) * fraction).rounded(.down)))
        }
    }
}

/// An S3 error that a fault makes an operation fail with.
///
/// Known codes carry their HTTP status and whether a retry can help (SlowDown, 503, 500,
/// RequestTimeout, 429, connection errors and timeouts are transient; AccessDenied, NoSuchKey
/// and the other 4xx are permanent). `SlowDown` carries a Retry-After (1 s unless the rule says
/// otherwise with `retryAfter`).
public struct InjectedError: Sendable, Hashable {
    /// The S3 error code.
    public var code: ObjectStoreError.Code
    /// What the store asks the client to wait before retrying.
    public var retryAfter: Duration?

    /// An error with `code`; `retryAfter` defaults to 1 s for `SlowDown`, none otherwise.
    public init(code: ObjectStoreError.Code, retryAfter: Duration? = nil) {
        self.code = code
        self.retryAfter = retryAfter ?? (code == .slowDown ? .seconds(1) : nil)
    }

    /// The codes a scenario may name, with their HTTP status (`nil`: no HTTP response).
    public static let knownCodes: [ObjectStoreError.Code: Int?] = [
        .slowDown: 503, .serviceUnavailable: 503, .internalError: 500, .requestTimeout: 400,
        .tooManyRequests: 429, .connection: nil, .timeout: nil,
        .accessDenied: 403, .notFound: 404, .noSuchBucket: 404, .invalidArgument: 400,
        .badDigest: 400, .entityTooSmall: 400, .invalidRange: 416, .io: nil,
    ]

    /// Whether a retry can help.
    public var isTransient: Bool { ObjectStoreError.Code.transientCodes.contains(code) }

    /// The store error for `operation` on `key`, saying which rule injected it and why.
    func storeError(_ operation: ObjectStoreError.Operation, key: String?, rule: Int, what: String) -> ObjectStoreError {
        let status = InjectedError.knownCodes[code] ?? nil
        return ObjectStoreError(
            code: code, operation: operation, key: key,
            message: "\(operation) '\(key ?? "")': \(what) (fault injected by rule \(rule))",
            retryAfter: retryAfter, httpStatus: status)
    }
}
