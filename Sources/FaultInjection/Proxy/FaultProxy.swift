#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 proxy on loopback between the S3 store and its server that injects the network
/// rules of a ``FaultPlan`` into single requests.
///
/// libcurl reaches it as an HTTP proxy (`CURLOPT_PROXY`): requests arrive in absolute form with
/// the origin's `Host`, and are forwarded to the one origin in origin form with every header as
/// it came, so SigV4 signatures stay valid. Bodies stream both ways a chunk at a time, with
/// back-pressure (a side is read only while the other can take more), so no body is ever held
/// whole. Each request is classified into an S3 operation (``S3RequestTarget``), numbered
/// (``NetworkFaults``) and decided from the seed, rule, operation, key, part and attempt; what
/// each fault does on the wire is described on ``FaultProxy/start(origin:bucket:keyPrefix:faults:hangLimit:keyMapper:)``.
///
/// It runs on one event-loop thread of its own inside the process that started it, so it ends
/// with that process (even a SIGKILLed one): there is no proxy process to orphan.
public final class FaultProxy: Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// `http://127.0.0.1:PORT`, for ``S3Configuration/proxy``.
    public var url: String { "http://127.0.0.1:\(port)" }
    /// The decisions and the trace.
    public let faults: NetworkFaults
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let statistics: ProxyStatistics

    /// The most body bytes one connection ever held queued in the proxy: back-pressure keeps it
    /// near one socket read, however large the bodies.
    public var peakQueuedBytes: Int { statistics.peakQueuedBytes }

    private init(port: Int, faults: NetworkFaults, group: MultiThreadedEventLoopGroup, serverChannel: any Channel,
                 statistics: ProxyStatistics) {
        self.statistics = statistics
        self.port = port
        self.faults = faults
        self.group = group
        self.serverChannel = serverChannel
    }

    /// Starts a proxy in front of `origin`.
    ///
    /// What each network fault does to a request it hits:
    /// - `latency`: half the delay before the response head, half spread over the response body
    ///   by bytes (all of it before the head when the response has no body).
    /// - `error`: the request (and its body) is read, never forwarded, and answered with the
    ///   S3 XML error and status (`SlowDown` 503 with `Retry-After`, `InternalError` 500,
    ///   `AccessDenied` 403, ...); the connection stays open.
    /// - `error200`: the same, as `200 OK` (CompleteMultipartUpload).
    /// - `partial`: the request body is forwarded up to `afterBytes` (never whole), then both
    ///   connections are reset.
    /// - `ackLost`: the request is forwarded whole; when the origin's response head arrives
    ///   (it has committed), both connections are reset before any byte reaches the client.
    /// - `truncate`: the response head and `afterBytes` of its body pass, then the connection
    ///   closes.
    /// - `hang`: the request is read and never answered, until the client gives up or the
    ///   hang's `max` (else `hangLimit`) passes; then the connection closes.
    /// - `bandwidth`: the request's body and its response's body are paced at the rate.
    ///
    /// - Parameters:
    ///   - origin: the S3 endpoint, `http://HOST:PORT` (an `https` one cannot be proxied with
    ///     HTTP-aware faults: an error).
    ///   - bucket: the store's bucket; requests for other buckets are forwarded untouched.
    ///   - keyPrefix: the store's configured key prefix, removed from keys before rules see them.
    ///   - faults: the plan, the attempt counts and the trace.
    ///   - hangLimit: how long a `hang` without `max` stalls at most.
    ///   - keyMapper: maps an S3 key (after `keyPrefix`) to the key rules see (a run's prefixed
    ///     key to its seeded key, so network and store faults hash the same keys).
    /// - Errors: ``FaultProxyError`` for an endpoint it cannot proxy or a failed bind.
    public static func start(
        origin: String, bucket: String, keyPrefix: String = "", faults: NetworkFaults,
        hangLimit: Duration = .seconds(300), keyMapper: @escaping @Sendable (String) -> String = { $0 }
    ) async throws(FaultProxyError) -> FaultProxy {
        let endpoint = try ProxyOrigin(origin)
        let statistics = ProxyStatistics()
        let settings = ProxySettings(origin: endpoint, bucket: bucket, keyPrefix: keyPrefix, faults: faults,
                                     hangLimit: hangLimit, keyMapper: keyMapper, statistics: statistics)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
                    try pipeline.addHandler(ProxyConnection(settings: settings))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            guard let port = channel.localAddress?.port else {
                throw FaultProxyError(code: "bind", message: "the fault proxy's socket has no port")
            }
            return FaultProxy(port: port, faults: faults, group: group, serverChannel: channel, statistics: statistics)
        } catch {
            try? await group.shutdownGracefully()
            if let error = error as? FaultProxyError { throw error }
            throw FaultProxyError(code: "bind", message: "the fault proxy cannot listen on 127.0.0.1: \(error)")
        }
    }

    /// Stops listening, closes every connection and ends the event-loop thread.
    public func stop() async {
        try? await serverChannel.close()
        try? await group.shutdownGracefully()
    }

    /// CPU time the proxy's event-loop thread has used so far (all the proxy's work runs there).
    public func cpuTime() async -> Duration {
        let loop = group.next()
        let nanoseconds = try? await loop.submit { () -> Int64 in
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        }.get()
        return .nanoseconds(nanoseconds ?? 0)
    }
}

/// Why the fault proxy cannot start.
public struct FaultProxyError: Error, Sendable, CustomStringConvertible {
    /// `https` (an endpoint it cannot see into), `endpoint` (malformed), `bind`.
    public var code: String
    /// What went wrong and what to do.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The S3 server the proxy forwards to.
struct ProxyOrigin: Sendable {
    var host: String
    var port: Int

    /// Parses `http://HOST[:PORT][/]`.
    init(_ endpoint: String) throws(FaultProxyError) {
        if endpoint.lowercased().hasPrefix("https://") {
            throw FaultProxyError(code: "https", message: "network faults need a plain-HTTP S3 endpoint, and \(endpoint) is HTTPS: "
                + "through an HTTPS proxy tunnel (CONNECT) the proxy sees only encrypted bytes, so no request-aware fault can take effect; "
                + "use an http:// endpoint (or the managed SeaweedFS) or remove the \"layer\": \"network\" rules")
        }
        guard endpoint.lowercased().hasPrefix("http://") else {
            throw FaultProxyError(code: "endpoint", message: "the S3 endpoint \(endpoint) is not an http:// URL")
        }
        var rest = Substring(endpoint.dropFirst("http://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host = rest
        var port = 80
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            port = Int(rest[rest.index(after: colon)...]) ?? -1
        }
        guard !host.isEmpty, (1...65535).contains(port) else {
            throw FaultProxyError(code: "endpoint", message: "the S3 endpoint \(endpoint) has no usable host and port")
        }
        self.host = String(host)
        self.port = port
    }
}

/// What every connection of one proxy shares.
struct ProxySettings: Sendable {
    var origin: ProxyOrigin
    var bucket: String
    var keyPrefix: String
    var faults: NetworkFaults
    var hangLimit: Duration
    var keyMapper: @Sendable (String) -> String
    var statistics: ProxyStatistics
}

/// Figures of a proxy's work across its connections.
final class ProxyStatistics: Sendable {
    private let peak = Atomic<Int>(0)

    /// The most body bytes one connection held queued at once.
    var peakQueuedBytes: Int { peak.load(ordering: .relaxed) }

    func observe(queuedBytes: Int) {
        var current = peak.load(ordering: .relaxed)
        while queuedBytes > current {
            let (exchanged, original) = peak.compareExchange(expected: current, desired: queuedBytes, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
