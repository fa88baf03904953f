@testable import ObjectStore
import Testing

@Suite("S3 checksums read the same whatever form the server reports them in")
struct S3StoreChecksumFormTests {
    /// The composite checksum of three parts, as our writer computes it.
    let base = "Z0pWbDIBJbI24aZOsbHwoETPk5nrL42byeuMiv3lhC0="
    var composite: Checksum { Checksum(algorithm: "sha256-composite", value: base + "-3") }

    private func checksum(_ headers: [String: String]) -> Checksum? {
        S3Store.checksum(from: HTTPResponse(status: 200, headers: headers, body: []))
    }

    @Test("a multipart object's composite SHA-256 is recognised from AWS, MinIO, SeaweedFS and moto answers alike")
    func compositeFormsOfEveryServerAgree() {
        // AWS (2025): suffix and type.
        #expect(checksum(["x-amz-checksum-sha256": base + "-3", "x-amz-checksum-type": "COMPOSITE",
                          "etag": "\"7963734f49ea50ecaa07c23da9006ef4-3\""]) == composite)
        // MinIO, SeaweedFS: suffix only.
        #expect(checksum(["x-amz-checksum-sha256": base + "-3"]) == composite)
        // moto 5.2: neither suffix nor type; the multipart ETag gives the part count.
        #expect(checksum(["x-amz-checksum-sha256": base, "etag": "\"7963734f49ea50ecaa07c23da9006ef4-3\""]) == composite)
        // The type without a suffix, part count from x-amz-mp-parts-count.
        #expect(checksum(["x-amz-checksum-sha256": base, "x-amz-checksum-type": "COMPOSITE", "x-amz-mp-parts-count": "3"]) == composite)
    }

    @Test("a single PUT's SHA-256 is a whole-object checksum; FULL_OBJECT is believed")
    func wholeObjectForms() {
        let whole = Checksum(algorithm: "sha256", value: base)
        #expect(checksum(["x-amz-checksum-sha256": base, "etag": "\"5d41402abc4b2a76b9719d911017c592\""]) == whole)
        #expect(checksum(["x-amz-checksum-sha256": base, "x-amz-checksum-type": "FULL_OBJECT",
                          "etag": "\"7963734f49ea50ecaa07c23da9006ef4-3\""]) == whole)
        #expect(checksum(["etag": "\"5d41402abc4b2a76b9719d911017c592\""]) == nil)
    }

    @Test("an answer that leaves the form open gives no checksum rather than a false one")
    func undecidableFormIsNotGuessed() {
        #expect(checksum(["x-amz-checksum-sha256": base, "x-amz-checksum-type": "COMPOSITE"]) == nil)
        #expect(checksum(["x-amz-checksum-sha256": base, "etag": "\"opaque-etag\""]) == nil)
        #expect(S3ReportedChecksum.interpret(headers: ["x-amz-checksum-sha256": base]) == .ambiguous(base))
    }

    @Test("a real mismatch stays a mismatch in every form: other bytes or another part count")
    func realMismatchIsStillCaught() {
        let other = "AAAAbDIBJbI24aZOsbHwoETPk5nrL42byeuMiv3lhC0="
        #expect(checksum(["x-amz-checksum-sha256": other, "etag": "\"7963734f49ea50ecaa07c23da9006ef4-3\""]) != composite)
        #expect(checksum(["x-amz-checksum-sha256": base, "etag": "\"7963734f49ea50ecaa07c23da9006ef4-4\""]) != composite)
        #expect(checksum(["x-amz-checksum-sha256": base + "-2"]) != composite)
        #expect(S3Store.compositeMatches(reported: base, expected: composite))
        #expect(S3Store.compositeMatches(reported: base + "-3", expected: composite))
        #expect(!S3Store.compositeMatches(reported: base + "-2", expected: composite))
        #expect(!S3Store.compositeMatches(reported: other, expected: composite))
    }
}

@Suite("S3 checksums on real servers")
struct S3StoreChecksumServerTests {
    @Test("stat reports the writer's composite checksum, and another object's bytes give another one",
          arguments: TestServer.allCases)
    func statMatchesWriterAndCatchesOtherBytes(server: TestServer) async throws {
        let store = try await server.store(for: "checksum-forms")
        let options = WriteOptions(partSize: 5 << 20, concurrency: 2)
        let first = try await store.put(key: "k", bytes: testBytes(count: 11 << 20, seed: 1), options: options)
        #expect(first.checksum?.algorithm == "sha256-composite")
        #expect(try await store.stat(key: "k").checksum == first.checksum)
        // The same key, the same size and part count, other bytes: a real mismatch for `first`.
        let second = try await store.put(key: "k", bytes: testBytes(count: 11 << 20, seed: 2), options: options)
        let stored = try await store.stat(key: "k").checksum
        #expect(stored == second.checksum)
        #expect(stored != first.checksum)
    }
}
