#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import Servers
import Testing

@Suite("S3Store when the server stalls (SIGSTOP): cancellation reaches the libcurl transfers")
struct S3StoreServerStallTests {
    @Test("requests to a stopped server end soon after their task's cancellation, long before curl's timeouts")
    func cancellationEndsRequestsToAStoppedServer() async throws {
        // A server of its own: stopping the shared one would stall every other test.
        let server = try await SeaweedFS.start(bucket: "stall")
        var configuration = server.configuration
        configuration.requestTimeout = .seconds(120)
        configuration.lowSpeedTime = .seconds(60)
        let store = S3Store(configuration: configuration)
        try await store.put(key: "present.bin", bytes: testBytes(count: 1 << 20, seed: 1))
        _ = kill(server.pid, SIGSTOP)

        let clock = ContinuousClock()
        let requests: [(String, @Sendable () async throws -> Void)] = [
            ("PutObject", { try await store.put(key: "stalled.bin", bytes: testBytes(count: 4 << 20, seed: 2)) }),
            ("GetObject", { _ = try await store.read(key: "present.bin", range: 0..<(1 << 20)) }),
            ("HeadObject", { _ = try await store.stat(key: "present.bin") }),
            ("ListObjectsV2", { _ = try await store.list(prefix: "") }),
            ("HeadBucket", { try await store.checkAccess(prefix: "") }),
        ]
        for (name, request) in requests {
            let task = Task { try await request() }
            try await Task.sleep(for: .milliseconds(300))
            let cancelledAt = clock.now
            task.cancel()
            let outcome = await task.result
            let waited = clock.now - cancelledAt
            #expect(waited < .seconds(10), "\(name) went on for \(waited) after its task was cancelled")
            guard case let .failure(failure) = outcome, let error = failure as? ObjectStoreError else {
                Issue.record("\(name) to a stopped server did not fail: \(outcome)")
                continue
            }
            #expect(error.code == .cancelled, "\(name): \(error)")
        }
        _ = kill(server.pid, SIGCONT)
        await server.stop()
    }
}
