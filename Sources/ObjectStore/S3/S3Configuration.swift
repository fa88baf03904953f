import Foundation

/// An S3 access key and its secret.
///
/// The secret never appears in `description`, `debugDescription`, `dump` or string
/// interpolation, so a configuration can be logged or put in a report safely.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key id (not secret; appears in logs as the identity).
    public var accessKeyID: String
    /// The secret access key. Handed only to libcurl's SigV4 signer.
    public var secretAccessKey: String

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "secretAccessKey": "<redacted>"])
    }

    /// Replaces every whole occurrence of the secret in `text` (``Redaction``): the last guard
    /// before a server's message becomes part of an error.
    func redacting(_ text: String) -> String {
        Redaction.redact(text, secrets: [secretAccessKey])
    }
}

/// Where and how to reach an S3 bucket.
///
/// Requests use path-style addressing (`endpoint/bucket/key`), which every S3-compatible server
/// understands, and SigV4 signing done by libcurl.
public struct S3Configuration: Sendable, CustomStringConvertible {
    /// The server, e.g. `http://127.0.0.1:8333` (no trailing slash needed).
    public var endpoint: String
    /// The bucket holding the objects.
    public var bucket: String
    /// The region used in the signature (`us-east-1` for most non-AWS servers).
    public var region: String
    /// Prepended to every key, so several users can share one bucket (`""` for none).
    public var prefix: String
    /// The keys that sign every request.
    public var credentials: S3Credentials
    /// Time allowed to establish a connection.
    public var connectTimeout: Duration
    /// Deadline of one request, from its start to its last byte.
    public var requestTimeout: Duration
    /// A transfer slower than this (bytes per second) for ``lowSpeedTime`` is abandoned.
    public var lowSpeedBytesPerSecond: Int
    /// How long a transfer may stay below ``lowSpeedBytesPerSecond`` before it is abandoned.
    public var lowSpeedTime: Duration
    /// An HTTP proxy every request goes through (`http://127.0.0.1:PORT`: the fault proxy of
    /// network-layer faults), or `nil` for none. Through a proxy each request also carries an
    /// `x-flushbench-request` header, unique per request, so the proxy can tell a new attempt
    /// from libcurl sending the same request again.
    public var proxy: String? = nil

    /// Creates a configuration; timeouts default to 5 s to connect, 120 s per request, and
    /// abandoning a transfer that moves less than 1 KiB/s for 15 s.
    public init(
        endpoint: String,
        bucket: String,
        region: String = "us-east-1",
        prefix: String = "",
        credentials: S3Credentials,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(120),
        lowSpeedBytesPerSecond: Int = 1024,
        lowSpeedTime: Duration = .seconds(15)
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
        self.lowSpeedTime = lowSpeedTime
    }

    public var description: String {
        "S3Configuration(endpoint: \(endpoint), bucket: \(bucket), region: \(region), prefix: \(prefix), \(credentials))"
    }

    /// A configuration from the standard AWS environment variables.
    ///
    /// Reads `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_REGION`
    /// (falling back to `AWS_DEFAULT_REGION`, then `us-east-1`).
    ///
    /// - Parameters:
    ///   - bucket: the bucket to use.
    ///   - prefix: prepended to every key.
    ///   - environment: the variables to read (the process's own by default).
    /// - Returns: `nil` when `AWS_ENDPOINT_URL` is not set (the caller then starts its own server).
    /// - Errors: `invalidArgument` when the endpoint is set but a key is missing.
    public static func fromEnvironment(
        bucket: String,
        prefix: String = "",
        environment: [String: String]? = nil
    ) throws(ObjectStoreError) -> S3Configuration? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard let endpoint = environment["AWS_ENDPOINT_URL"], !endpoint.isEmpty else { return nil }
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw ObjectStoreError(code: .invalidArgument, operation: .stat, key: nil,
                                   message: "AWS_ENDPOINT_URL is set to \(endpoint) but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is missing; set both")
        }
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        return S3Configuration(endpoint: endpoint, bucket: bucket, region: region, prefix: prefix,
                               credentials: S3Credentials(accessKeyID: key, secretAccessKey: secret))
    }
}
