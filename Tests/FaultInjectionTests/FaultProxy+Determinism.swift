import FaultInjection
import Foundation
import ObjectStore
import Platform
import Testing

/// The network layer decides per request from the seed, rule, operation, key, part and
/// attempt: the same seed injects the same faults whatever the scheduling.
@Suite("Fault proxy: determinism", .serialized)
struct FaultProxyDeterminismTests {
    static let faults = """
        [{ "layer": "network", "op": "PutObject", "kind": "error", "error": "SlowDown", "probability": 0.3 },
         { "layer": "network", "op": "PutObject", "kind": "partial", "afterBytes": "10KiB", "probability": 0.25 },
         { "layer": "network", "op": "GetObject", "kind": "truncate", "afterBytes": 100, "probability": 0.3 },
         { "layer": "network", "op": "*", "kind": "latency", "distribution": "uniform", "min": "0ms", "max": "5ms", "probability": 0.5 },
         { "layer": "network", "op": "DeleteObject", "kind": "ackLost", "probability": 0.3 }]
        """

    /// Puts, reads back and deletes `keys` through a fresh proxy, `width` at a time, retrying
    /// each operation until it succeeds (at most 8 tries); returns the trace.
    static func run(width: Int, seed: UInt64, keys: Int = 24) async throws -> [FaultRecord] {
        let proxied = try await ProxiedStore.make("determinism-\(width)", faults: faults, seed: seed)
        let store = proxied.store
        try await BoundedConcurrency.forEach(Array(0..<keys), limit: width) { (index: Int) async throws in
            let key = "r\(index % 4)/\(index).parquet"
            let bytes = patternBytes(40_000 + index * 1000, seed: UInt8(index))
            try await Self.retrying { _ = try await store.put(key: key, bytes: bytes) }
            try await Self.retrying {
                guard try await store.readAll(key: key) == bytes else {
                    throw ObjectStoreError(code: .badDigest, operation: .read, key: key, message: "read back other bytes")
                }
            }
            try await Self.retrying { try await store.delete(key: key) }
        }
        await proxied.proxy.stop()
        return proxied.trace.records()
    }

    /// Runs `body` until it succeeds, at most 8 times.
    @Sendable static func retrying(_ body: () async throws -> Void) async throws {
        for attempt in 1...8 {
            do {
                try await body()
                return
            } catch {
                if attempt == 8 { throw error }
            }
        }
    }

    @Test func theSameSeedGivesTheSameTraceAtConcurrency1And16() async throws {
        let serial = try await Self.run(width: 1, seed: 11)
        let parallel = try await Self.run(width: 16, seed: 11)
        #expect(Set(serial.map(\.kind)).isSuperset(of: [.error, .partial, .truncate, .latency, .ackLost]), "\(serial.map(\.kind))")
        #expect(serial.allSatisfy { $0.layer == .network && $0.s3Operation != nil })
        #expect(serial == parallel)
        // Another seed hits other requests.
        let other = try await Self.run(width: 16, seed: 12)
        #expect(other != serial)
    }
}
