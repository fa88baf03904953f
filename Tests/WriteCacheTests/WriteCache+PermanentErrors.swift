import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache retries what a retry can cure, and nothing else")
struct WriteCachePermanentErrorTests {
    @Test("a verifying stat that is denied fails the flush at once instead of uploading again")
    func deniedVerificationIsNotRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = WriteCache(fileCache: try await openCache(dir), store: StatFailingStore(inner: store),
                               configuration: WriteCacheConfiguration(verifyUploads: true, retry: RetryPolicy(maxAttempts: 4),
                                                                      remotePrefix: "sst/"),
                               timeSource: ManualTimeSource())
        defer { cache.fileCache.close() }
        let error = await #expect(throws: WriteCacheError.self) {
            try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        }
        #expect(error?.code == .verification)
        #expect(store.counts.withLock { $0.writersStarted } == 1, "AccessDenied from the stat is permanent: one upload attempt")
    }

    @Test("verification errors are transient or permanent by their cause")
    func verificationIsClassifiedByCause() {
        func verification(_ cause: ObjectStoreError.Code?) -> WriteCacheError {
            WriteCacheError(code: .verification, message: "test",
                            cause: cause.map { ObjectStoreError(code: $0, operation: .stat, key: "k", message: "test") })
        }
        #expect(verification(nil).isTransient, "a wrong size or checksum: uploading again may cure it")
        #expect(verification(.internalError).isTransient)
        #expect(!verification(.accessDenied).isTransient)
        #expect(!verification(.notFound).isTransient)
        #expect(!verification(.noSuchBucket).isTransient)
    }

    @Test("a server's Retry-After is honoured up to maxBackoff and never beyond it")
    func retryAfterIsCappedByMaxBackoff() {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .seconds(2))
        var generator = SplitMix64(seed: 1)
        for attempt in 1...3 {
            let hostile = policy.backoff(afterAttempt: attempt, retryAfter: .seconds(1_000_000), using: &generator)
            #expect(hostile == .seconds(2), "a huge Retry-After waits maxBackoff, not \(hostile)")
            let polite = policy.backoff(afterAttempt: attempt, retryAfter: .milliseconds(1500), using: &generator)
            #expect(polite >= .milliseconds(1500) && polite <= .seconds(2))
        }
    }
}
