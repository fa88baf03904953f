@testable import ObjectStore
import Testing

@Suite("Retry-After from any server, and curl failures that no retry cures")
struct S3ErrorMappingRetryAfterTests {
    var mapping: S3ErrorMapping {
        S3ErrorMapping(bucket: "bkt", credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "secret"))
    }

    private func slowDown(retryAfter: String) -> ObjectStoreError {
        let body = "<Error><Code>SlowDown</Code><Message>m</Message></Error>"
        return mapping.error(for: HTTPResponse(status: 503, headers: ["retry-after": retryAfter], body: Array(body.utf8)),
                             operation: .write, action: "PutObject", key: "k")
    }

    @Test("a Retry-After of inf, 1e20, NaN, garbage or a negative number never crashes and never waits past the cap",
          arguments: ["inf", "Infinity", "-inf", "1e20", "9223372036854775807", "nan", "garbage", "-5", "", "1e308", "0x1p70"])
    func hostileRetryAfterIsSafe(value: String) {
        let error = slowDown(retryAfter: value)
        #expect(error.code == .slowDown && error.isTransient)
        if let wait = error.retryAfter {
            #expect(wait >= .zero)
            #expect(wait <= .seconds(60), "Retry-After '\(value)' asked for \(wait)")
        }
    }

    @Test("an ordinary Retry-After is honoured: seconds, a fraction, an HTTP-date")
    func ordinaryRetryAfter() {
        #expect(slowDown(retryAfter: "3").retryAfter == .seconds(3))
        #expect(slowDown(retryAfter: " 0.25 ").retryAfter == .milliseconds(250))
        #expect(slowDown(retryAfter: "0").retryAfter == .zero)
        #expect(slowDown(retryAfter: "1e20").retryAfter == .seconds(60))
        // An HTTP-date in the past is "now".
        #expect(slowDown(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT").retryAfter == .zero)
    }

    @Test("a malformed endpoint URL or an unsupported protocol is a permanent error, not a transient connection error",
          arguments: ["http://127.0.0.1:99999", "htp://127.0.0.1:1"])
    func unusableEndpointIsPermanent(endpoint: String) async {
        let store = S3Store(configuration: S3Configuration(
            endpoint: endpoint, bucket: "b", credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "s"),
            connectTimeout: .seconds(1), requestTimeout: .seconds(2)))
        let error = await #expect(throws: ObjectStoreError.self) { _ = try await store.stat(key: "k") }
        #expect(error?.isTransient == false, "\(String(describing: error))")
        #expect(error?.code != .connection)
    }
}
