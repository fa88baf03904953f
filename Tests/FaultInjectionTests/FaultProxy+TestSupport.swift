import FaultInjection
import Foundation
import ObjectStore
import Servers
import Testing

/// The one SeaweedFS of this test process for the fault proxy's tests, started on first use;
/// its watchdog stops it when the process ends.
enum ProxyTestServer {
    private static let server = Task<SeaweedFS, any Error> {
        try await SeaweedFS.start(bucket: "flushbench-proxy-tests")
    }

    static func get() async throws -> SeaweedFS {
        try await server.value
    }
}

/// An S3 store that talks to the shared SeaweedFS through a fault proxy with `rules`, under a
/// key prefix of its own (which the proxy strips, so rules see the test's keys).
struct ProxiedStore {
    let store: S3Store
    let proxy: FaultProxy
    let trace: FaultTrace

    static func make(_ test: String, faults json: String = "[]", seed: UInt64 = 7,
                     configure: (inout S3Configuration) -> Void = { _ in }) async throws -> ProxiedStore {
        var configuration = try await ProxyTestServer.get().configuration
        configuration.prefix = "\(test)-\(UUID().uuidString.prefix(8))/"
        configure(&configuration)
        let trace = FaultTrace()
        let faults = NetworkFaults(plan: try FaultPlan(seed: seed, rules: try rules(json)), trace: trace)
        let proxy = try await FaultProxy.start(origin: configuration.endpoint, bucket: configuration.bucket,
                                               keyPrefix: configuration.prefix, faults: faults, hangLimit: .seconds(30))
        configuration.proxy = proxy.url
        return ProxiedStore(store: S3Store(configuration: configuration), proxy: proxy, trace: trace)
    }

    /// The records of the trace without their timing-free parts changed: kind, S3 operation, key, attempt.
    var hits: [String] {
        trace.records().map { "\($0.kind.rawValue) \($0.s3Operation?.rawValue ?? "-") \($0.key) #\($0.attempt)" }
    }
}

/// `count` bytes of a fixed pattern.
func patternBytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// The error `body` throws (an ``ObjectStoreError``), or `nil` when it succeeds.
func storeError(_ body: () async throws(ObjectStoreError) -> Void) async -> ObjectStoreError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
