import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing
@testable import WriteCache

@Suite("WriteCache failures: clean-up, retries, verification, orphans")
struct WriteCacheFailureTests {
    /// Local leftovers: files in the cache directory or its temp directory.
    func expectNothingLocal(_ dir: TemporaryDirectory, _ cache: WriteCache) {
        // The orphan ledger holds what could not be cleaned remotely; it is no local leftover.
        #expect(dir.list("cache").filter { $0 != OrphanLedger.fileName } == ["LOCK", "tmp"])
        #expect(dir.list("cache/tmp").isEmpty)
        #expect(dir.list("cache").contains(OrphanLedger.fileName) == !cache.orphans.all.isEmpty, "the ledger exists once an orphan was recorded")
        #expect(cache.fileCache.snapshot().isEmpty)
        #expect(cache.fileCache.statistics().reservedBytes == 0)
    }

    @Test("an index upload that fails deletes the uploaded data object, the failed object and the local files")
    func failedIndexUploadCleansEverything() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(closeErrors: [.accessDenied], keySuffix: ".puffin"))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 1, producer: BytesProducer(data: pattern(200_000), index: pattern(1000)))
        await #expect {
            _ = try await cache.writeAndUpload(flush)
        } throws: { error in
            (error as? WriteCacheError)?.storeError?.code == .accessDenied
        }
        #expect(try await store.inner.list(prefix: "").isEmpty)
        #expect(store.inner.openWriterCount == 0, "no incomplete upload stays behind")
        #expect(store.counts.withLock { $0.deletes } == 2)
        #expect(cache.orphans.all.isEmpty)
        expectNothingLocal(dir, cache)
    }

    @Test("a write that fails part-way aborts the upload and leaves nothing")
    func partialWriteAborts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore()
        let cache = try await makeWriteCache(dir, store: store, partSize: 50_000, retry: .never)
        defer { cache.fileCache.close() }
        // The third part fails.
        store.setScript { $0.passWrites = 2; $0.writeErrors = [.internalError] }
        let writer = Flush(region: 1, producer: BytesProducer(data: pattern(300_000)))
        await #expect(throws: WriteCacheError.self) { _ = try await cache.writeAndUpload(writer) }
        #expect(store.counts.withLock { $0.aborts } == 1)
        #expect(store.inner.openWriterCount == 0)
        #expect(try await store.inner.list(prefix: "").isEmpty)
        #expect(cache.metrics.bytes.uploaded == 100_000)
        #expect(cache.metrics.bytes.wastedOnFailedAttempts == 100_000)
        expectNothingLocal(dir, cache)
    }

    @Test("transient errors are retried up to the limit, then the flush fails cleanly")
    func retriesStopAtTheLimit() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(writeErrors: [.slowDown, .internalError, .serviceUnavailable, .internalError]))
        let cache = try await makeWriteCache(dir, store: store, retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(2)))
        defer { cache.fileCache.close() }
        await #expect(throws: WriteCacheError.self) {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        }
        #expect(store.counts.withLock { $0.writersStarted } == 3)
        #expect(cache.metrics.operations[.upload]?.retried == 2)
        #expect(cache.metrics.retries.map(\.failedAttempt) == [1, 2])
        #expect(cache.metrics.retries.allSatisfy { $0.backoffMilliseconds <= 2 })
        expectNothingLocal(dir, cache)
    }

    @Test("a transient error followed by success acknowledges the flush after a retry")
    func retryThenSucceed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(writeErrors: [.slowDown]))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(10_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data)))
        #expect(outcome.files[0].attempts == 2)
        #expect(try await store.inner.readAll(key: outcome.files[0].remoteKey) == data)
        #expect(cache.metrics.bytes.uploadedAcknowledged == 10_000)
    }

    @Test("permanent errors are never retried")
    func permanentErrorsAreNotRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(writeErrors: [.accessDenied]))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        await #expect(throws: WriteCacheError.self) {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(10_000))))
        }
        #expect(store.counts.withLock { $0.writersStarted } == 1)
        #expect(cache.metrics.retries.isEmpty)
        expectNothingLocal(dir, cache)
    }

    @Test("a torn write is caught by verification and re-uploaded, never acknowledged as good")
    func tornWriteIsDetected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(tornCommits: 1))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(40_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data)))
        #expect(outcome.files[0].attempts == 2)
        #expect(try await store.inner.readAll(key: outcome.files[0].remoteKey) == data)
        #expect(cache.metrics.operations[.verify]?.failed == 1)
    }

    @Test("torn writes on every attempt fail the flush and delete the torn object")
    func persistentTornWritesFail() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(tornCommits: 10))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        await #expect {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(40_000))))
        } throws: { error in
            (error as? WriteCacheError)?.code == .verification
        }
        #expect(try await store.inner.list(prefix: "").isEmpty)
        expectNothingLocal(dir, cache)
    }

    @Test("a lost acknowledgement is retried; the committed object is not left as an orphan")
    func lostAcknowledgementIsRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(lostAcks: 1))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let data = pattern(40_000)
        let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: data)))
        #expect(outcome.files[0].attempts == 2)
        #expect(try await store.inner.list(prefix: "").map(\.key) == [outcome.files[0].remoteKey])
    }

    @Test("a lost acknowledgement on the last attempt deletes the committed object")
    func lostAcknowledgementOnLastAttemptCleansUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(lostAcks: 1))
        let cache = try await makeWriteCache(dir, store: store, retry: .never)
        defer { cache.fileCache.close() }
        await #expect(throws: WriteCacheError.self) {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(40_000))))
        }
        #expect(try await store.inner.list(prefix: "").isEmpty)
        expectNothingLocal(dir, cache)
    }

    @Test("a delete that fails during clean-up becomes a known orphan")
    func failedDeleteBecomesKnownOrphan() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(closeErrors: [.accessDenied], deleteErrors: [.accessDenied, .accessDenied], keySuffix: ".puffin"))
        // Data uploads fine; the index fails; deleting objects fails for the index key only.
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        let flush = Flush(region: 1, producer: BytesProducer(data: pattern(20_000), index: pattern(100)))
        await #expect(throws: WriteCacheError.self) { _ = try await cache.writeAndUpload(flush) }
        let indexRemote = cache.remoteKey(for: FileKey(region: 1, fileID: flush.fileID, type: .puffin))
        #expect(cache.orphans.all.map(\.key) == [indexRemote])
        #expect(cache.orphans.all.first?.code == "AccessDenied")
        #expect(try await store.inner.list(prefix: "").isEmpty, "the data object was deleted")
        expectNothingLocal(dir, cache)
    }

    @Test("an abort that fails is recorded as a known orphan")
    func failedAbortBecomesKnownOrphan() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = ScriptedStore(.init(writeErrors: [.accessDenied], failAborts: true))
        let cache = try await makeWriteCache(dir, store: store)
        defer { cache.fileCache.close() }
        await #expect(throws: WriteCacheError.self) {
            _ = try await cache.writeAndUpload(Flush(region: 1, producer: BytesProducer(data: pattern(20_000))))
        }
        #expect(cache.orphans.all.contains { $0.reason.contains("abort") })
        expectNothingLocal(dir, cache)
    }
}
