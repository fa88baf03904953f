import ObjectStore
import Servers
import Testing

@Suite("S3Store when the server dies")
struct S3StoreServerCrashTests {
    @Test("a server killed mid-upload gives a transient error within the deadline, never a hang")
    func serverKilledMidUpload() async throws {
        // A server of its own: killing the shared one would fail every other test.
        let server = try await SeaweedFS.start(bucket: "crash")
        var configuration = server.configuration
        configuration.requestTimeout = .seconds(10)
        configuration.lowSpeedTime = .seconds(3)
        let store = S3Store(configuration: configuration)
        let clock = ContinuousClock()
        let upload = Task { () async throws -> ObjectInfo in
            let writer = try await store.makeWriter(key: "doomed.bin", options: WriteOptions(partSize: 5 << 20, concurrency: 4))
            // Bounded: 4 GiB at most, far more than can go up before the kill.
            for round in 0..<4096 {
                try await writer.write(testBytes(count: 1 << 20, seed: UInt64(round)))
            }
            return try await writer.close()
        }
        try await Task.sleep(for: .milliseconds(600))
        server.kill()
        let killedAt = clock.now
        let outcome = await upload.result
        let waited = clock.now - killedAt
        await server.stop()
        guard case let .failure(failure) = outcome, let error = failure as? ObjectStoreError else {
            Issue.record("the upload did not fail with an ObjectStoreError although the server was killed: \(outcome)")
            return
        }
        #expect(error.isTransient, "\(error)")
        #expect([.connection, .timeout].contains(error.code), "\(error)")
        #expect(waited < .seconds(15))
    }
}
