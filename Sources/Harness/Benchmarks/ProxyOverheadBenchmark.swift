import FaultInjection
import Foundation
import ObjectStore
import Platform
import Servers

/// What the network fault layer costs when it injects nothing: the same uploads to a managed
/// SeaweedFS straight from ``S3Store`` and through a ``FaultProxy`` with an empty plan,
/// interleaved round by round (direct, proxy; then proxy, direct; ...), plus the CPU time of the
/// proxy's event-loop thread per GiB it moved.
public struct ProxyOverheadBenchmark: Sendable {
    /// The work measured.
    public struct Configuration: Sendable {
        /// Objects uploaded per round.
        public var objects: Int
        /// Bytes per object (multipart above the part size).
        public var objectSize: Int
        /// Multipart part size.
        public var partSize: Int
        /// Objects uploaded at once.
        public var concurrency: Int
        /// Rounds per path (at least 5); figures are medians.
        public var rounds: Int

        public init(objects: Int = 16, objectSize: Int = 16 << 20, partSize: Int = 8 << 20, concurrency: Int = 4, rounds: Int = 5) {
            self.objects = objects
            self.objectSize = objectSize
            self.partSize = partSize
            self.concurrency = concurrency
            self.rounds = rounds
        }
    }

    /// The benchmark's figures.
    public struct Report: Sendable, Codable {
        /// What was measured, in words.
        public var work: String
        /// Rounds per path.
        public var rounds: Int
        /// Seconds of every round, per path.
        public var directSeconds: [Double]
        public var proxySeconds: [Double]
        /// Median upload throughput, MiB/s.
        public var directMiBps: Double
        public var proxyMiBps: Double
        /// Extra median time through the proxy, in percent (goal: under 5).
        public var overheadPercent: Double
        /// CPU seconds of the proxy's event-loop thread per GiB uploaded through it.
        public var proxyCPUSecondsPerGiB: Double

        /// The figures as a small table.
        public func table() -> String {
            """
            \(work), \(rounds) interleaved rounds (medians)
            path     upload MiB/s   rounds (s)
            direct   \(String(format: "%11.1f", directMiBps))   \(directSeconds.map { String(format: "%.2f", $0) }.joined(separator: " "))
            proxy    \(String(format: "%11.1f", proxyMiBps))   \(proxySeconds.map { String(format: "%.2f", $0) }.joined(separator: " "))
            overhead \(String(format: "%+.2f%%", overheadPercent)) (goal: under 5%); proxy CPU \(String(format: "%.3f", proxyCPUSecondsPerGiB)) s per GiB
            """
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Starts SeaweedFS and the proxy, runs the rounds, stops both.
    ///
    /// - Errors: the server or proxy failing to start; an upload failing.
    public func run() async throws -> Report {
        let server = try await SeaweedFS.start(bucket: "flushbench-bench-proxy")
        let proxy: FaultProxy
        do {
            proxy = try await FaultProxy.start(origin: server.configuration.endpoint, bucket: server.configuration.bucket,
                                               faults: NetworkFaults(plan: .empty, trace: FaultTrace()))
        } catch {
            await server.stop()
            throw error
        }
        do {
            let report = try await rounds(server: server, proxy: proxy)
            await proxy.stop()
            await server.stop()
            return report
        } catch {
            await proxy.stop()
            await server.stop()
            throw error
        }
    }

    private func rounds(server: SeaweedFS, proxy: FaultProxy) async throws -> Report {
        let config = configuration
        let direct = S3Store(configuration: server.configuration)
        var proxiedConfiguration = server.configuration
        proxiedConfiguration.proxy = proxy.url
        let proxied = S3Store(configuration: proxiedConfiguration)
        let payload = (0..<config.objectSize).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        // One warm-up upload per path (connections, server caches), not measured.
        _ = try await upload(direct, payload, round: -1, objects: 2)
        _ = try await upload(proxied, payload, round: -2, objects: 2)
        var directSeconds: [Double] = []
        var proxySeconds: [Double] = []
        var proxyCPU = Duration.zero
        for round in 0..<config.rounds {
            let proxyFirst = round % 2 == 1
            for isProxy in proxyFirst ? [true, false] : [false, true] {
                let before = isProxy ? await proxy.cpuTime() : .zero
                let seconds = try await upload(isProxy ? proxied : direct, payload, round: round * 2 + (isProxy ? 1 : 0),
                                               objects: config.objects)
                if isProxy {
                    proxyCPU += await proxy.cpuTime() - before
                    proxySeconds.append(seconds)
                } else {
                    directSeconds.append(seconds)
                }
            }
        }
        let bytes = Double(config.objects * config.objectSize)
        let directMedian = SideBySideReport.median(directSeconds)
        let proxyMedian = SideBySideReport.median(proxySeconds)
        let gibThroughProxy = bytes * Double(config.rounds) / Double(1 << 30)
        return Report(
            work: "\(config.objects) x \(config.objectSize >> 20) MiB uploads (\(config.partSize >> 20) MiB parts, \(config.concurrency) at once) to SeaweedFS on loopback",
            rounds: config.rounds, directSeconds: directSeconds, proxySeconds: proxySeconds,
            directMiBps: bytes / 1_048_576 / directMedian, proxyMiBps: bytes / 1_048_576 / proxyMedian,
            overheadPercent: (proxyMedian - directMedian) / directMedian * 100,
            proxyCPUSecondsPerGiB: proxyCPU.inSeconds / gibThroughProxy)
    }

    /// Uploads `objects` copies of `payload`, returns the seconds taken, then deletes them.
    private func upload(_ store: S3Store, _ payload: [UInt8], round: Int, objects: Int) async throws -> Double {
        let config = configuration
        let keys = (0..<objects).map { "bench-proxy/\(round)/\($0).bin" }
        let start = ContinuousClock.now
        try await BoundedConcurrency.forEach(keys, limit: config.concurrency) { (key: String) async throws(ObjectStoreError) in
            _ = try await store.put(key: key, bytes: payload, options: WriteOptions(
                expectedSize: UInt64(payload.count), partSize: config.partSize, concurrency: 2))
        }
        let seconds = (ContinuousClock.now - start).inSeconds
        for key in keys { try? await store.delete(key: key) }
        return seconds
    }
}
