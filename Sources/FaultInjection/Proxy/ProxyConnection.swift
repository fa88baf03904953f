#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// One client connection of the fault proxy and its connection to the origin: the two sides of
/// a glue, on one event loop.
///
/// Back-pressure: the client is read only while nothing of its request waits to go upstream
/// and the upstream connection can take more; the origin is read only while nothing waits to
/// go to the client and the client connection can take more. Delays (latency, bandwidth) hold
/// the queue of their direction, and with it the reads.
final class ProxyConnection: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let settings: ProxySettings
    var context: ChannelHandlerContext?
    /// The origin connection: `nil` until the first forwarded request, reused after.
    var upstream: (any Channel)?
    var connecting = false
    /// Parts of the current request waiting to go upstream, and whether a pace timer holds them.
    var requestQueue: [HTTPClientRequestPart] = []
    var requestWaiting = false
    /// Set by a partial fault: once the queue (the body's prefix) is sent, reset.
    var resetWhenSent = false
    var requestNextSend = NIODeadline.now()
    /// Parts of the response waiting to go to the client, and whether a delay holds them.
    var responseQueue: [HTTPClientResponsePart] = []
    var responseWaiting = false
    var responseNextSend = NIODeadline.now()
    var headDelayApplied = false
    /// The request being served (requests on one connection come one after another).
    var current: ProxyRequest?
    var clientReadHeld = false
    var upstreamReadHeld = false
    var closed = false
    var timers: [Scheduled<Void>] = []

    /// How far ahead of its pace a body may run before it waits: one timer per few chunks,
    /// not one per chunk, and the rate stays exact (the pace clock only moves forward).
    static let paceSlack = TimeAmount.milliseconds(5)

    init(settings: ProxySettings) {
        self.settings = settings
    }

    // MARK: Client side

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let request = ProxyRequest.begin(head, settings: settings, allocator: context.channel.allocator)
            current = request
            headDelayApplied = false
            responseNextSend = .now()
            requestNextSend = .now()
            guard case .forward = request.mode else { return }
            var forwarded = head
            forwarded.uri = Self.originForm(head.uri)
            requestQueue.append(.head(forwarded))
            connectIfNeeded()
            pumpRequest()
        case .body(let buffer):
            guard let request = current else { return }
            guard case .forward = request.mode else { return }  // read and dropped
            var buffer = buffer
            if let cut = request.requestCut {
                let room = cut > request.requestBytes ? Int(min(cut - request.requestBytes, UInt64(Int.max))) : 0
                if buffer.readableBytes > room {
                    buffer = buffer.getSlice(at: buffer.readerIndex, length: room) ?? buffer
                    request.requestBytes = cut
                    if buffer.readableBytes > 0 { requestQueue.append(.body(.byteBuffer(buffer))) }
                    noteQueued()
                    resetWhenSent = true
                    pumpRequest()
                    return
                }
            }
            request.requestBytes += UInt64(buffer.readableBytes)
            requestQueue.append(.body(.byteBuffer(buffer)))
            noteQueued()
            pumpRequest()
        case .end:
            guard let request = current else { return }
            request.requestEnded = true
            switch request.mode {
            case .forward:
                if let cut = request.requestCut, request.requestBytes >= cut { return }  // the reset is queued
                requestQueue.append(.end(nil))
                pumpRequest()
            case .answer(let status, let body, let headers):
                after(request.headDelay) { connection in
                    connection.answer(status: status, headers: headers, body: body, for: request)
                }
            case .hang(let limit):
                after(limit) { connection in
                    if connection.current === request { connection.closeAll(reset: false) }
                }
            }
        }
    }

    /// Holds the client's reads while its request cannot move on.
    func read(context: ChannelHandlerContext) {
        if requestQueue.isEmpty && !resetWhenSent && (upstream?.isWritable ?? true) {
            context.read()
        } else {
            clientReadHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pumpResponse() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeAll(reset: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeAll(reset: false)
    }

    /// Writes a proxy-made answer (error, error200) and ends the request.
    private func answer(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, for request: ProxyRequest) {
        guard let context, current === request, !closed else { return }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        request.responseEnded = true
    }

    // MARK: Request direction

    private func connectIfNeeded() {
        guard upstream == nil, !connecting, let context else { return }
        connecting = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let origin = settings.origin
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(UpstreamHandler(connection: bound.value))
                }
            }
            .connect(host: origin.host, port: origin.port)
            .assumeIsolated()
            .whenComplete { result in
                let connection = bound.value
                connection.connecting = false
                switch result {
                case .success(let channel):
                    if connection.closed {
                        channel.close(promise: nil)
                        return
                    }
                    connection.upstream = channel
                    connection.pumpRequest()
                case .failure:
                    // The origin is unreachable: the client sees the connection close, as it would.
                    connection.closeAll(reset: false)
                }
            }
    }

    /// Sends what the request queue holds, as far as pacing and the origin allow.
    func pumpRequest() {
        guard let upstream, !requestWaiting, !closed else { return }
        var wrote = false
        while !requestQueue.isEmpty {
            let part = requestQueue[0]
            if case .body(.byteBuffer(let buffer)) = part, let rate = current?.bytesPerSecond {
                let now = NIODeadline.now()
                if requestNextSend > now + Self.paceSlack {
                    wait(until: requestNextSend, request: true)
                    break
                }
                requestNextSend = max(requestNextSend, now) + .nanoseconds(Int64(Double(buffer.readableBytes) / Double(rate) * 1e9))
            }
            requestQueue.removeFirst()
            upstream.write(part, promise: nil)
            wrote = true
        }
        if wrote { upstream.flush() }
        if resetWhenSent && requestQueue.isEmpty {
            // A partial fault: the prefix has gone out; now both connections are reset.
            closeAll(reset: true)
            return
        }
        resumeClientRead()
    }

    private func resumeClientRead() {
        guard clientReadHeld, requestQueue.isEmpty, upstream?.isWritable ?? true, let context, !closed else { return }
        clientReadHeld = false
        context.read()
    }

    /// The origin connection can take more (or no longer).
    func upstreamWritabilityChanged() {
        pumpRequest()
    }

    // MARK: Shared

    /// Runs `body` after `delay` on this connection's event loop (at once when zero).
    func after(_ delay: Duration, _ body: @escaping (ProxyConnection) -> Void) {
        guard let context else { return }
        guard delay > .zero else {
            body(self)
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay.secondsDouble * 1e9))) { [self] in
            guard !closed else { return }
            body(self)
        }
        timers.append(timer)
        if timers.count > 64 { timers.removeFirst(32) }
    }

    /// Holds a direction's queue until `deadline`, then pumps it again.
    func wait(until deadline: NIODeadline, request: Bool) {
        let delay = Duration.nanoseconds((deadline - .now()).nanoseconds)
        if request { requestWaiting = true } else { responseWaiting = true }
        after(delay) { connection in
            if request {
                connection.requestWaiting = false
                connection.pumpRequest()
            } else {
                connection.responseWaiting = false
                connection.pumpResponse()
            }
        }
    }

    /// Closes both connections; `reset` sends a TCP RST to the client (SO_LINGER 0) instead of
    /// a FIN, so it can only see a broken connection.
    func closeAll(reset: Bool) {
        guard !closed else { return }
        closed = true
        for timer in timers { timer.cancel() }
        timers.removeAll()
        upstream?.close(promise: nil)
        upstream = nil
        guard let context else { return }
        if reset, let provider = context.channel as? any SocketOptionProvider {
            let channel = context.channel
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    /// Reports the body bytes both queues hold (what back-pressure keeps small).
    func noteQueued() {
        var bytes = 0
        for case .body(.byteBuffer(let buffer)) in requestQueue { bytes += buffer.readableBytes }
        for case .body(let buffer) in responseQueue { bytes += buffer.readableBytes }
        settings.statistics.observe(queuedBytes: bytes)
    }

    /// `http://host:port/path?query` -> `/path?query` (what the origin expects from a client).
    static func originForm(_ uri: String) -> String {
        String(S3RequestTarget.originForm(Substring(uri)))
    }
}
