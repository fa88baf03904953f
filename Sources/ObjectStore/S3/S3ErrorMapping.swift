/// Turns S3 responses and transport failures into ``ObjectStoreError``s.
///
/// The code is the S3 error code where the server sent one (mapped onto our stable names:
/// `SignatureDoesNotMatch` and `InvalidAccessKeyId` become ``ObjectStoreError/Code/accessDenied``),
/// else derived from the HTTP status. Transient: 500, 503 (`SlowDown` honouring `Retry-After`),
/// 429, `RequestTimeout`, connection failures and timeouts. Everything else is permanent.
struct S3ErrorMapping: Sendable {
    /// The bucket, named in every message.
    var bucket: String
    /// The credentials, only to redact the secret from any text that reaches a message.
    var credentials: S3Credentials

    /// S3 error codes and the stable code each maps to.
    static let knownCodes: [String: ObjectStoreError.Code] = [
        "NoSuchKey": .notFound,
        "NoSuchBucket": .noSuchBucket,
        "AccessDenied": .accessDenied,
        "SignatureDoesNotMatch": .accessDenied,
        "InvalidAccessKeyId": .accessDenied,
        "InvalidArgument": .invalidArgument,
        "InvalidRequest": .invalidArgument,
        "InvalidRange": .invalidRange,
        "BadDigest": .badDigest,
        "XAmzContentSHA256Mismatch": .badDigest,
        "InvalidDigest": .badDigest,
        "EntityTooSmall": .entityTooSmall,
        "SlowDown": .slowDown,
        "InternalError": .internalError,
        "ServiceUnavailable": .serviceUnavailable,
        "RequestTimeout": .requestTimeout,
        "TooManyRequests": .tooManyRequests,
    ]

    /// The error for a response whose status is not a success.
    ///
    /// - Parameters:
    ///   - response: the status, headers and (XML) body the server sent.
    ///   - operation: which store operation failed.
    ///   - action: the S3 action, for the message (`PutObject`, `UploadPart 3`, ...).
    ///   - key: the object's key as the caller named it, if any.
    func error(for response: HTTPResponse, operation: ObjectStoreError.Operation, action: String, key: String?) -> ObjectStoreError {
        let document = S3XMLElement.parse(response.body)
        let s3Code = document.flatMap { $0.name == "Error" ? $0.text("Code") : nil }
        let s3Message = document.flatMap { $0.name == "Error" ? $0.text("Message") : nil }
        let code = s3Code.map { Self.knownCodes[$0] ?? ObjectStoreError.Code($0) } ?? Self.code(forStatus: response.status)
        let transient = ObjectStoreError.Code.transientCodes.contains(code)
            || response.status >= 500 || response.status == 429
        var retryAfter: Duration?
        if let header = response.header("retry-after"), let seconds = Double(header.trimmingSpaces()), seconds >= 0 {
            retryAfter = .milliseconds(Int64(seconds * 1000))
        }
        var text = "\(action) \(target(key)): S3 answered \(response.status)"
        if let s3Code { text += " \(s3Code)" }
        if let s3Message, !s3Message.isEmpty { text += " (\(s3Message))" }
        text += Self.advice(for: code, transient: transient)
        return ObjectStoreError(code: code, operation: operation, key: key, message: credentials.redacting(text),
                                isTransient: transient, retryAfter: retryAfter, httpStatus: response.status)
    }

    /// The error for a transfer that got no response.
    func error(for failure: TransportFailure, operation: ObjectStoreError.Operation, action: String, key: String?) -> ObjectStoreError {
        let code: ObjectStoreError.Code
        let transient: Bool
        switch failure.kind {
        case .connection: (code, transient) = (.connection, true)
        case .timeout: (code, transient) = (.timeout, true)
        case .cancelled: (code, transient) = (.cancelled, false)
        case .other: (code, transient) = (.connection, true)
        case .local: (code, transient) = (.io, false)
        }
        let what = failure.kind == .cancelled ? "was cancelled" : "failed: \(failure.detail)"
        let text = "\(action) \(target(key)) \(what)"
            + (transient ? "; the server may be down or overloaded, a retry can succeed" : "")
        return ObjectStoreError(code: code, operation: operation, key: key, message: credentials.redacting(text),
                                isTransient: transient, cause: failure)
    }

    /// `s3://bucket/key` (or `s3://bucket` without a key).
    func target(_ key: String?) -> String {
        key.map { "'s3://\(bucket)/\($0)'" } ?? "'s3://\(bucket)'"
    }

    /// The code of a response that carried no S3 error document (HEAD has no body).
    static func code(forStatus status: Int) -> ObjectStoreError.Code {
        switch status {
        case 400: .invalidArgument
        case 403: .accessDenied
        case 404: .notFound
        case 408: .requestTimeout
        case 416: .invalidRange
        case 429: .tooManyRequests
        case 503: .serviceUnavailable
        case 500...: .internalError
        default: ObjectStoreError.Code("HTTP\(status)")
        }
    }

    private static func advice(for code: ObjectStoreError.Code, transient: Bool) -> String {
        if transient { return "; a retry after a back-off can succeed" }
        switch code {
        case .accessDenied: return "; check the access key and secret (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket's permissions"
        case .noSuchBucket: return "; create the bucket or fix the configured bucket name"
        case .badDigest: return "; the bytes were damaged on the way, upload them again"
        default: return ""
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
