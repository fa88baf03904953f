import NIOCore
import NIOHTTP1

extension ProxyConnection {
    /// A response part from the origin.
    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard !closed else { return }
        responseQueue.append(part)
        noteQueued()
        pumpResponse()
    }

    /// Whether the origin may be read: nothing waits to go to the client and it can take more.
    var canReadUpstream: Bool {
        responseQueue.isEmpty && !closed && (context?.channel.isWritable ?? false)
    }

    /// Sends what the response queue holds, applying the request's faults on the way.
    func pumpResponse() {
        guard let context, !responseWaiting, !closed else { return }
        var wrote = false
        defer {
            if wrote && !closed { context.flush() }
            if canReadUpstream, upstreamReadHeld, let upstream {
                upstreamReadHeld = false
                upstream.read()
            }
        }
        while !responseQueue.isEmpty {
            let request = current
            switch responseQueue[0] {
            case .head(let head):
                if request?.dropsResponse == true {
                    // ackLost: the origin has answered (so it committed); the client gets nothing.
                    closeAll(reset: true)
                    return
                }
                if !headDelayApplied, let request {
                    headDelayApplied = true
                    let length = head.headers.first(name: "content-length").flatMap { UInt64($0) }
                    request.splitLatency(responseLength: length)
                    if request.headDelay > .zero {
                        wait(until: .now() + .nanoseconds(Int64(request.headDelay.secondsDouble * 1e9)), request: false)
                        return
                    }
                }
                responseQueue.removeFirst()
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                wrote = true
            case .body(var buffer):
                if let request {
                    if let wait = bodyWait(request, bytes: buffer.readableBytes) {
                        self.wait(until: wait, request: false)
                        return
                    }
                    if let cut = request.responseCut, request.responseBytes + UInt64(buffer.readableBytes) > cut {
                        // truncate: the prefix goes out, then the connection closes mid-body.
                        let room = Int(cut - min(cut, request.responseBytes))
                        if room > 0, let slice = buffer.readSlice(length: room) {
                            context.write(wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
                        }
                        context.flush()
                        closeAll(reset: false)
                        return
                    }
                    request.responseBytes += UInt64(buffer.readableBytes)
                }
                responseQueue.removeFirst()
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                wrote = true
            case .end(let trailers):
                responseQueue.removeFirst()
                context.write(wrapOutboundOut(.end(trailers)), promise: nil)
                wrote = true
                request?.responseEnded = true
            }
            if !context.channel.isWritable { break }
        }
    }

    /// When a body chunk of `bytes` may go, if not now: its share of the latency and the pace.
    private func bodyWait(_ request: ProxyRequest, bytes: Int) -> NIODeadline? {
        let now = NIODeadline.now()
        if responseNextSend > now + Self.paceSlack { return responseNextSend }
        var gap = request.bodyDelay(for: bytes)
        if let rate = request.bytesPerSecond { gap += .seconds(Double(bytes) / Double(rate)) }
        guard gap > .zero else { return nil }
        // The chunk goes now; the next one waits out this one's share.
        responseNextSend = max(responseNextSend, now) + .nanoseconds(Int64(gap.secondsDouble * 1e9))
        return nil
    }

    /// The origin closed its connection.
    func upstreamClosed(_ channel: any Channel) {
        guard upstream === channel else { return }
        upstream = nil
        // Mid-request or mid-response the client must see the break; between requests the next
        // request opens a new origin connection.
        if let current, !current.isDone || !responseQueue.isEmpty { closeAll(reset: false) }
    }
}

/// The origin side of a ``ProxyConnection``: hands response parts over, and is read only while
/// the client side can take them.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private let connection: ProxyConnection

    init(connection: ProxyConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.upstreamReceived(unwrapInboundIn(data))
    }

    func read(context: ChannelHandlerContext) {
        if connection.canReadUpstream {
            context.read()
        } else {
            connection.upstreamReadHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.upstreamWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.upstreamClosed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
