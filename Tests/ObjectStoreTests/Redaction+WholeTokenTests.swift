@testable import ObjectStore
import Testing

@Suite("Secrets are redacted as whole values, and credentials never travel in a printed URL")
struct RedactionWholeTokenTests {
    @Test("a one-character secret is redacted where it stands alone, never inside words")
    func shortSecretLeavesWordsAlone() {
        let mapping = S3ErrorMapping(bucket: "bkt", credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "e"))
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>the secret e is wrong</Message></Error>"
        let error = mapping.error(for: HTTPResponse(status: 403, headers: [:], body: Array(body.utf8)),
                                  operation: .write, action: "PutObject", key: "region/file.parquet")
        #expect(error.message.contains("the secret <redacted> is wrong"), "\(error.message)")
        #expect(error.message.contains("region/file.parquet"))
        #expect(!error.message.contains("<redacted>cr"))
    }

    @Test("whole values are redacted wherever punctuation bounds them; longer secrets first", arguments: [
        ("key=abc, next", ["abc"], "key=<redacted>, next"),
        ("xabc abcx abc", ["abc"], "xabc abcx <redacted>"),
        ("s/ab+c/d and ab+c", ["ab+c"], "s/<redacted>/d and <redacted>"),
        ("token abcdef and abc", ["abc", "abcdef"], "token <redacted> and <redacted>"),
        ("nothing here", [""], "nothing here"),
    ])
    func wholeValues(text: String, secrets: [String], expected: String) {
        #expect(Redaction.redact(text, secrets: secrets) == expected)
    }

    @Test("credentials are stripped from URLs and their password is known as a secret")
    func urlCredentials() {
        #expect(Redaction.strippingCredentials(fromURL: "http://user:pa%40ss@host:9000/b?x=1") == "http://host:9000/b?x=1")
        #expect(Redaction.strippingCredentials(fromURL: "http://host:9000") == "http://host:9000")
        #expect(Redaction.strippingCredentials(fromURL: "not a url") == "not a url")
        #expect(Redaction.secrets(inURL: "http://user:pa%40ss@host:9000") == ["pa%40ss", "pa@ss"])
        #expect(Redaction.secrets(inURL: "http://user@host").isEmpty)
    }
}
