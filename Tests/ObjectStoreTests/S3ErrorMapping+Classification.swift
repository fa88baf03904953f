@testable import ObjectStore
import Testing

@Suite("S3 error documents become typed, classified errors")
struct S3ErrorMappingTests {
    let secret = "s3cr3t/KEY+value"
    var mapping: S3ErrorMapping {
        S3ErrorMapping(bucket: "bkt", credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: secret))
    }

    private func response(_ status: Int, code: String?, message: String = "m", headers: [String: String] = [:]) -> HTTPResponse {
        let body = code.map {
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\($0)</Code><Message>\(message)</Message><Key>k</Key></Error>"
        } ?? ""
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test("permanent S3 codes map to their stable codes and are not transient", arguments: [
        (403, "AccessDenied", ObjectStoreError.Code.accessDenied),
        (403, "SignatureDoesNotMatch", .accessDenied),
        (403, "InvalidAccessKeyId", .accessDenied),
        (404, "NoSuchKey", .notFound),
        (404, "NoSuchBucket", .noSuchBucket),
        (400, "InvalidArgument", .invalidArgument),
        (400, "BadDigest", .badDigest),
        (400, "EntityTooSmall", .entityTooSmall),
        (416, "InvalidRange", .invalidRange),
    ])
    func permanentCodes(status: Int, s3Code: String, expected: ObjectStoreError.Code) {
        let error = mapping.error(for: response(status, code: s3Code), operation: .read, action: "GetObject", key: "a/b")
        #expect(error.code == expected)
        #expect(!error.isTransient)
        #expect(error.httpStatus == status)
        #expect(error.message.contains("GetObject 's3://bkt/a/b'"))
        #expect(error.message.contains(s3Code))
    }

    @Test("transient S3 codes map to their stable codes and are transient", arguments: [
        (503, "SlowDown", ObjectStoreError.Code.slowDown),
        (500, "InternalError", .internalError),
        (503, "ServiceUnavailable", .serviceUnavailable),
        (400, "RequestTimeout", .requestTimeout),
        (429, "TooManyRequests", .tooManyRequests),
    ])
    func transientCodes(status: Int, s3Code: String, expected: ObjectStoreError.Code) {
        let error = mapping.error(for: response(status, code: s3Code), operation: .write, action: "PutObject", key: "k")
        #expect(error.code == expected)
        #expect(error.isTransient)
    }

    @Test("SlowDown honours Retry-After")
    func slowDownRetryAfter() {
        let error = mapping.error(for: response(503, code: "SlowDown", headers: ["retry-after": "3"]),
                                  operation: .write, action: "UploadPart 2", key: "k")
        #expect(error.retryAfter == .seconds(3))
        #expect(error.code == .slowDown)
        #expect(error.isTransient)
    }

    @Test("a response without a body (HEAD) is classified by its status", arguments: [
        (404, ObjectStoreError.Code.notFound, false),
        (403, .accessDenied, false),
        (400, .invalidArgument, false),
        (500, .internalError, true),
        (502, .internalError, true),
        (503, .serviceUnavailable, true),
        (429, .tooManyRequests, true),
    ])
    func statusOnly(status: Int, expected: ObjectStoreError.Code, transient: Bool) {
        let error = mapping.error(for: response(status, code: nil), operation: .stat, action: "HeadObject", key: "k")
        #expect(error.code == expected)
        #expect(error.isTransient == transient)
    }

    @Test("an unknown S3 code keeps its name and is transient only for a 5xx status")
    func unknownCodes() {
        let permanent = mapping.error(for: response(400, code: "WeirdThing"), operation: .write, action: "PutObject", key: "k")
        #expect(permanent.code == ObjectStoreError.Code("WeirdThing"))
        #expect(!permanent.isTransient)
        let transient = mapping.error(for: response(502, code: "WeirdThing"), operation: .write, action: "PutObject", key: "k")
        #expect(transient.isTransient)
    }

    @Test("a secret echoed by the server never reaches the message")
    func secretIsRedacted() {
        let error = mapping.error(for: response(403, code: "AccessDenied", message: "the key \(secret) is wrong"),
                                  operation: .write, action: "PutObject", key: "k")
        #expect(!error.message.contains(secret))
        #expect(!error.description.contains(secret))
        #expect(error.message.contains("<redacted>"))
    }

    @Test("transport failures are transient connection errors or timeouts; cancellation is not transient")
    func transportFailures() {
        let reset = mapping.error(for: TransportFailure(kind: .connection, curlCode: 56, detail: "Connection reset"),
                                  operation: .write, action: "UploadPart 1", key: "k")
        #expect(reset.code == .connection && reset.isTransient)
        #expect(reset.message.contains("UploadPart 1 's3://bkt/k'"))
        let timeout = mapping.error(for: TransportFailure(kind: .timeout, curlCode: 28, detail: "Operation timed out"),
                                    operation: .read, action: "GetObject", key: "k")
        #expect(timeout.code == .timeout && timeout.isTransient)
        let cancelled = mapping.error(for: .cancelled, operation: .read, action: "GetObject", key: "k")
        #expect(cancelled.code == .cancelled && !cancelled.isTransient)
    }

    @Test("credentials never print their secret")
    func credentialsHideTheSecret() {
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: secret)
        var dumped = ""
        dump(credentials, to: &dumped)
        let configuration = S3Configuration(endpoint: "http://127.0.0.1:1", bucket: "b", credentials: credentials)
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        for text in [credentials.description, credentials.debugDescription, "\(credentials)", dumped,
                     "\(configuration)", String(reflecting: credentials)] {
            #expect(!text.contains(secret), "\(text)")
            #expect(text.contains("AKID"))
        }
        #expect(!dumpedConfiguration.contains(secret))
    }

    @Test("the configuration reads the standard AWS environment variables")
    func configurationFromEnvironment() throws {
        let configuration = try S3Configuration.fromEnvironment(bucket: "b", environment: [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "AK",
            "AWS_SECRET_ACCESS_KEY": "SK", "AWS_REGION": "eu-west-1",
        ])
        #expect(configuration?.endpoint == "http://127.0.0.1:9000")
        #expect(configuration?.region == "eu-west-1")
        #expect(configuration?.credentials == S3Credentials(accessKeyID: "AK", secretAccessKey: "SK"))
        #expect(try S3Configuration.fromEnvironment(bucket: "b", environment: [:]) == nil)
        #expect(throws: ObjectStoreError.self) {
            try S3Configuration.fromEnvironment(bucket: "b", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"])
        }
    }

    @Test("queries are canonical: sorted, every parameter with '=', reserved bytes percent-encoded")
    func canonicalQuery() {
        #expect(s3CanonicalQuery([("uploads", ""), ("prefix", "a b/c")]) == "prefix=a%20b%2Fc&uploads=")
        #expect(s3CanonicalQuery([("uploadId", "x_y"), ("partNumber", "3")]) == "partNumber=3&uploadId=x_y")
        #expect(s3PercentEncoded("dir/ü+~.txt", keepSlash: true) == "dir/%C3%BC%2B~.txt")
    }
}
