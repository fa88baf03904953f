import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus

/// Serves a Prometheus registry as text at `GET /metrics` on 127.0.0.1 (never another
/// interface), on SwiftNIO's HTTP/1.1 server pipeline; any other request gets 404.
public final class MetricsServer: Sendable {
    /// The port it listens on (the one chosen by the system when started with 0).
    public let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Starts listening on `127.0.0.1:port` (0: a free port; read ``port``).
    ///
    /// - Throws: ``MetricsServerError`` (code `bind`) naming the address when it cannot listen
    ///   there (the port is taken, or is not allowed).
    public static func start(port: Int, registry: PrometheusCollectorRegistry) async throws(MetricsServerError) -> MetricsServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
            return MetricsServer(port: channel.localAddress?.port ?? port, channel: channel)
        } catch {
            throw MetricsServerError(code: "bind", message: "cannot serve metrics on 127.0.0.1:\(port): \(error)")
        }
    }

    /// Stops listening (open connections are closed with the event loop's next turn).
    public func stop() async {
        try? await channel.close()
    }
}

/// The metrics endpoint could not start.
public struct MetricsServerError: Error, Sendable, CustomStringConvertible {
    /// A stable label: `bind`.
    public var code: String
    public var message: String
    public var description: String { message }
}

/// Answers `GET /metrics` with the registry's text, everything else with 404.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let found = path == "/metrics" && (head.method == .GET || head.method == .HEAD)
            let body: [UInt8] = found ? registry.emitToBuffer() : Array("not found: the metrics are at GET /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))),
                          promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
