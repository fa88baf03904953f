import FaultInjection
import Foundation
import ObjectStore
import Testing

/// Each network fault, as the real libcurl client meets it through the proxy.
@Suite("Fault proxy: faults", .serialized)
struct FaultProxyFaultTests {
    @Test func errorAnswersARealS3ErrorAndTheRetrySucceeds() async throws {
        let proxied = try await ProxiedStore.make("error", faults: """
            [{ "layer": "network", "op": "PutObject", "kind": "error", "error": "SlowDown", "nth": [1] },
             { "layer": "network", "op": "DeleteObject", "kind": "error", "error": "AccessDenied" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        let failure = await storeError { _ = try await store.put(key: "k", bytes: patternBytes(3000)) }
        #expect(failure?.code == .slowDown)
        #expect(failure?.httpStatus == 503)
        #expect(failure?.retryAfter == .seconds(1))
        #expect(failure?.isTransient == true)
        // Attempt 2 is not selected: it reaches the server.
        _ = try await store.put(key: "k", bytes: patternBytes(3000))
        #expect(try await store.readAll(key: "k") == patternBytes(3000))
        let denied = await storeError { try await store.delete(key: "k") }
        #expect(denied?.code == .accessDenied && denied?.isTransient == false)
        #expect(proxied.hits == ["error DeleteObject k #1", "error PutObject k #1"])
    }

    @Test func partialResetsTheUploadMidBodyAndNothingIsCommitted() async throws {
        let proxied = try await ProxiedStore.make("partial", faults: """
            [{ "layer": "network", "op": "PutObject", "kind": "partial", "afterBytes": "256KiB", "nth": [1], "path": "k" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        // Warm a keep-alive connection, so the faulted request runs on a reused one (where
        // libcurl 7.88 would resend silently).
        _ = try await store.put(key: "warm", bytes: [1, 2, 3])
        let bytes = patternBytes(1 << 20)
        let failure = await storeError { _ = try await store.put(key: "k", bytes: bytes) }
        #expect(failure?.code == .connection, "\(String(describing: failure))")
        #expect(failure?.isTransient == true)
        let missing = await storeError { _ = try await store.stat(key: "k") }
        #expect(missing?.code == .notFound)
        _ = try await store.put(key: "k", bytes: bytes)
        #expect(try await store.readAll(key: "k") == bytes)
        #expect(proxied.hits == ["partial PutObject k #1"])
        // libcurl sent the cut request again on a fresh connection; the proxy knew it as attempt 1.
        #expect(proxied.proxy.faults.resends >= 1)
        #expect(proxied.trace.records().first?.bytesAffected == 256 << 10)
    }

    @Test func ackLostCommitsTheObjectButTheClientSeesABrokenConnection() async throws {
        let proxied = try await ProxiedStore.make("acklost", faults: """
            [{ "layer": "network", "op": "PutObject", "kind": "ackLost", "nth": [1], "path": "k" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        _ = try await store.put(key: "warm", bytes: [1, 2, 3])
        let bytes = patternBytes(200_000)
        let failure = await storeError { _ = try await store.put(key: "k", bytes: bytes) }
        #expect(failure?.code == .connection, "\(String(describing: failure))")
        // The server committed it.
        #expect(try await store.stat(key: "k").size == 200_000)
        #expect(proxied.hits == ["ackLost PutObject k #1"])
        #expect(proxied.proxy.faults.resends >= 1)
    }

    @Test func truncateCutsTheResponseBody() async throws {
        let proxied = try await ProxiedStore.make("truncate", faults: """
            [{ "layer": "network", "op": "GetObject", "kind": "truncate", "afterBytes": 1000, "nth": [1] }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        let bytes = patternBytes(300_000)
        _ = try await store.put(key: "k", bytes: bytes)
        let failure = await storeError { _ = try await store.readAll(key: "k") }
        #expect(failure?.code == .connection, "\(String(describing: failure))")
        #expect(try await store.readAll(key: "k") == bytes)
        #expect(proxied.hits == ["truncate GetObject k #1"])
    }

    @Test func hangEndsAtTheClientsDeadline() async throws {
        let proxied = try await ProxiedStore.make("hang", faults: """
            [{ "layer": "network", "op": "stat", "kind": "hang" }]
            """, configure: { $0.requestTimeout = .seconds(2) })
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        _ = try await store.put(key: "k", bytes: [1])
        let start = ContinuousClock.now
        let failure = await storeError { _ = try await store.stat(key: "k") }
        let elapsed = ContinuousClock.now - start
        #expect(failure?.code == .timeout, "\(String(describing: failure))")
        #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(10), "\(elapsed)")
        #expect(proxied.hits == ["hang HeadObject k #1"])
    }

    @Test func aHangsLimitClosesTheConnectionOnceEvenWhenLibcurlSendsTheRequestAgain() async throws {
        let proxied = try await ProxiedStore.make("hang-max", faults: """
            [{ "layer": "network", "op": "HeadObject", "kind": "hang", "max": "1s", "path": "k" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        _ = try await store.put(key: "k", bytes: [1])
        let start = ContinuousClock.now
        let failure = await storeError { _ = try await store.stat(key: "k") }
        let elapsed = ContinuousClock.now - start
        #expect(failure?.code == .connection, "\(String(describing: failure))")
        #expect(elapsed >= .milliseconds(950) && elapsed < .milliseconds(1800), "\(elapsed)")
        #expect(proxied.proxy.faults.resends == 1)
        #expect(proxied.hits == ["hang HeadObject k #1"])
    }

    @Test func error200OnCompleteMultipartUploadFailsTheUpload() async throws {
        let proxied = try await ProxiedStore.make("error200", faults: """
            [{ "layer": "network", "op": "CompleteMultipartUpload", "kind": "error200", "error": "InternalError" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        let bytes = patternBytes(11 << 20)
        let failure = await storeError {
            _ = try await store.put(key: "k", bytes: bytes, options: WriteOptions(expectedSize: UInt64(bytes.count), partSize: 5 << 20))
        }
        #expect(failure?.code == .internalError, "\(String(describing: failure))")
        #expect(failure?.isTransient == true)
        #expect(await storeError { _ = try await store.stat(key: "k") }?.code == .notFound)
        #expect(proxied.hits == ["error200 CompleteMultipartUpload k #1"])
    }

    @Test func latencyAndBandwidthSlowTheRequestDown() async throws {
        let proxied = try await ProxiedStore.make("slow", faults: """
            [{ "layer": "network", "op": "HeadObject", "kind": "latency", "value": "400ms" },
             { "layer": "network", "op": "PutObject", "kind": "bandwidth", "bytesPerSecond": "1MiB" }]
            """)
        defer { Task { await proxied.proxy.stop() } }
        let store = proxied.store
        var start = ContinuousClock.now
        _ = try await store.put(key: "k", bytes: patternBytes(600 << 10))
        #expect(ContinuousClock.now - start >= .milliseconds(450))
        start = ContinuousClock.now
        _ = try await store.stat(key: "k")
        #expect(ContinuousClock.now - start >= .milliseconds(390))
        #expect(proxied.hits == ["latency HeadObject k #1", "bandwidth PutObject k #1"])
    }
}
