import Foundation

/// Turns S3 responses and transport failures into ``ObjectStoreError``s.
///
/// The code is the S3 error code where the server sent one (mapped onto our stable names:
/// `SignatureDoesNotMatch` and `InvalidAccessKeyId` become ``ObjectStoreError/Code/accessDenied``),
/// else derived from the HTTP status. Transient: 500, 503 (`SlowDown` honouring `Retry-After`),
/// 429, `RequestTimeout`, connection failures and timeouts. Everything else is permanent,
/// including libcurl failures that no retry can cure (a malformed URL, a TLS certificate that
/// fails verification, a body that cannot be rewound: ``ObjectStoreError/Code/transport``).
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
        let retryAfter = response.header("retry-after").flatMap { Self.retryAfter(parsing: $0) }
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
        case .other: (code, transient) = (.transport, false)
        case .local: (code, transient) = (.io, false)
        }
        let what = failure.kind == .cancelled ? "was cancelled" : "failed: \(failure.detail)"
        var text = "\(action) \(target(key)) \(what)"
        if transient {
            text += "; the server may be down or overloaded, a retry can succeed"
        } else if failure.kind == .other {
            text += "; the request itself cannot succeed (check the endpoint URL, its TLS certificate and CA bundle), a retry would fail the same way"
        }
        return ObjectStoreError(code: code, operation: operation, key: key, message: credentials.redacting(text),
                                isTransient: transient, cause: failure)
    }

    /// The longest wait a server's `Retry-After` can ask for; the caller's retry policy caps it
    /// further (by its maximum back-off).
    static let maximumRetryAfter: Duration = .seconds(60)

    /// The wait a `Retry-After` header asks for: delay-seconds (a decimal is tolerated) or an
    /// HTTP-date, capped at ``maximumRetryAfter``.
    ///
    /// Whatever the server sends, this never traps: a negative, infinite, NaN or unparseable
    /// value gives `nil` (the retry policy's own back-off then applies), a huge one the cap.
    static func retryAfter(parsing header: String, now: Date = Date()) -> Duration? {
        let text = header.trimmingSpaces()
        let cap = Double(maximumRetryAfter.components.seconds)
        var seconds: Double?
        if let value = Double(text), value.isFinite {
            // `Double` also reads "0x1p3" and "1e3"; any finite number is a number of seconds.
            seconds = value
        } else if text.contains(","), text.utf8.count <= 64 {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = formatter.date(from: text) { seconds = max(0, date.timeIntervalSince(now)) }
        }
        guard let seconds, seconds >= 0 else { return nil }
        return .milliseconds(Int64((min(seconds, cap) * 1000).rounded(.up)))
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
