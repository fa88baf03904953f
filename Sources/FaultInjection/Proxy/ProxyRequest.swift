import Platform
import NIOCore
import NIOHTTP1
import ObjectStore

/// One request passing through a proxy connection: who it is, what its faults do, and how far
/// each direction has got. Confined to the connection's event loop.
final class ProxyRequest {
    /// How the request ends.
    enum Mode {
        /// Forwarded to the origin (latency, bandwidth, partial, ackLost, truncate act on the way).
        case forward
        /// Answered by the proxy (error, error200) once the request body has been read.
        case answer(status: HTTPResponseStatus, body: ByteBuffer, headers: HTTPHeaders)
        /// Read and never answered (hang), for at most this long.
        case hang(Duration)
    }

    let target: S3RequestTarget
    let mode: Mode
    let isHead: Bool
    /// Request body bytes after which both connections are reset (partial).
    let requestCut: UInt64?
    /// Response body bytes after which the connection closes (truncate).
    let responseCut: UInt64?
    /// Whether the response is dropped and both connections reset (ackLost).
    let dropsResponse: Bool
    /// The latency still to add: before the response head, and over its body.
    var headDelay: Duration = .zero
    var bodyDelay: Duration = .zero
    /// The pace of both bodies, bytes per second.
    let bytesPerSecond: UInt64?

    /// Request body bytes seen, and response body bytes sent.
    var requestBytes: UInt64 = 0
    var responseBytes: UInt64 = 0
    var responseLength: UInt64?
    var requestEnded = false
    var responseEnded = false
    /// Whether both the request and its response have passed.
    var isDone: Bool { requestEnded && responseEnded }

    init(target: S3RequestTarget, mode: Mode, isHead: Bool, requestCut: UInt64?, responseCut: UInt64?,
         dropsResponse: Bool, latency: Duration, bytesPerSecond: UInt64?) {
        self.target = target
        self.mode = mode
        self.isHead = isHead
        self.requestCut = requestCut
        self.responseCut = responseCut
        self.dropsResponse = dropsResponse
        self.headDelay = latency
        self.bytesPerSecond = bytesPerSecond
    }

    /// Builds the request's plan from its head: classifies it, takes its verdict, records the
    /// faults (unless libcurl is sending it again) and says how each will act.
    static func begin(_ head: HTTPRequestHead, settings: ProxySettings, allocator: ByteBufferAllocator) -> ProxyRequest {
        var target = S3RequestTarget.classify(method: head.method.rawValue, uri: head.uri, range: head.headers.first(name: "range"),
                                              bucket: settings.bucket, keyPrefix: settings.keyPrefix)
        if target.operation != nil { target.key = settings.keyMapper(target.key) }
        let isHead = head.method == .HEAD
        guard let verdict = settings.faults.begin(target, requestID: head.headers.first(name: NetworkFaults.requestHeader)),
              !verdict.decision.isEmpty else {
            return ProxyRequest(target: target, mode: .forward, isHead: isHead, requestCut: nil, responseCut: nil,
                                dropsResponse: false, latency: .zero, bytesPerSecond: nil)
        }
        let decision = verdict.decision
        let attempt = verdict.attempt
        func record(_ rule: Int, _ kind: FaultKind, bytes: UInt64 = 0, delay: Duration? = nil, _ detail: String) {
            guard !verdict.isResend else { return }
            settings.faults.record(target, attempt: attempt, rule: rule, kind: kind, bytes: bytes, delay: delay, detail: detail)
        }
        var latency = Duration.zero
        for delay in decision.latencies {
            latency += delay.delay
            record(delay.rule, .latency, delay: delay.delay, "delayed \(DurationText(delay.delay))")
        }
        let requestLength = head.headers.first(name: "content-length").flatMap { UInt64($0) }
        if let limit = decision.bandwidth {
            record(limit.rule, .bandwidth, bytes: requestLength ?? 0, "paced at \(limit.bytesPerSecond) B/s")
        }
        var mode = Mode.forward
        var requestCut: UInt64?
        var responseCut: UInt64?
        var dropsResponse = false
        if let outcome = decision.outcome {
            let rule = outcome.rule
            switch outcome.fault {
            case .error(let error), .error200(let error):
                let status: HTTPResponseStatus = outcome.fault.kind == .error200
                    ? .ok : .init(statusCode: (InjectedError.knownCodes[error.code] ?? nil) ?? 500)
                let (headers, body) = S3ErrorDocument.make(error, status: status, resource: head.uri, rule: rule,
                                                           withBody: !isHead, allocator: allocator)
                mode = .answer(status: status, body: body, headers: headers)
                record(rule, outcome.fault.kind, "answered \(status.code) \(error.code)")
            case .hang(let limit):
                // libcurl sends a request again when a reused connection closes before any
                // response byte: that resend fails at once instead of stalling a second time.
                let limit = verdict.isResend ? .zero : limit ?? settings.hangLimit
                mode = .hang(limit)
                record(rule, .hang, delay: nil, "read the request, never answered (closed after \(DurationText(limit)) at most)")
            case .partial(let cut, _):
                // Never the whole body: the origin must not see a complete request.
                let total = requestLength ?? .max
                let at = min(cut.offset(total: total), total == 0 ? 0 : total - 1)
                requestCut = at
                record(rule, .partial, bytes: at, "reset after \(at) of \(requestLength.map(String.init) ?? "?") request bytes")
            case .ackLost:
                dropsResponse = true
                record(rule, .ackLost, bytes: requestLength ?? 0, "forwarded, then reset before the response")
            case .truncate(let cut):
                let at = cut.offset(total: .max)
                responseCut = at
                record(rule, .truncate, bytes: at, "response body cut after \(at) bytes")
            default:
                break
            }
        }
        return ProxyRequest(target: target, mode: mode, isHead: isHead, requestCut: requestCut, responseCut: responseCut,
                            dropsResponse: dropsResponse, latency: latency, bytesPerSecond: decision.bandwidth?.bytesPerSecond)
    }

    /// Splits the latency between the response head and its body, once its length is known.
    func splitLatency(responseLength: UInt64?) {
        self.responseLength = responseLength
        guard let responseLength, responseLength > 0, !isHead, headDelay > .zero else { return }
        bodyDelay = headDelay / 2
        headDelay -= bodyDelay
    }

    /// The latency share of a body chunk of `bytes`.
    func bodyDelay(for bytes: Int) -> Duration {
        guard bodyDelay > .zero, let length = responseLength, length > 0 else { return .zero }
        return bodyDelay * (Double(bytes) / Double(length))
    }
}

/// The S3 error responses the proxy answers with.
enum S3ErrorDocument {
    static let messages: [ObjectStoreError.Code: String] = [
        .slowDown: "Please reduce your request rate.",
        .internalError: "We encountered an internal error. Please try again.",
        .accessDenied: "Access Denied",
        .serviceUnavailable: "Service is unable to handle request.",
    ]

    /// Headers and XML body of `error` (no body for a HEAD request, as S3 answers).
    static func make(_ error: InjectedError, status: HTTPResponseStatus, resource: String, rule: Int, withBody: Bool,
                     allocator: ByteBufferAllocator) -> (HTTPHeaders, ByteBuffer) {
        let message = (messages[error.code] ?? "\(error.code)") + " (fault injected by flushbench rule \(rule))"
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(escaped(error.code.rawValue))</Code>"
            + "<Message>\(escaped(message))</Message><Resource>\(escaped(resource))</Resource>"
            + "<RequestId>flushbench-fault-\(rule)</RequestId></Error>"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/xml")
        headers.add(name: "x-amz-request-id", value: "flushbench-fault-\(rule)")
        if let retryAfter = error.retryAfter, status.code != 200 {
            headers.add(name: "Retry-After", value: "\(max(1, Int((retryAfter.secondsDouble).rounded(.up))))")
        }
        let body = withBody ? allocator.buffer(string: xml) : allocator.buffer(capacity: 0)
        headers.add(name: "Content-Length", value: "\(withBody ? body.readableBytes : 0)")
        return (headers, body)
    }

    static func escaped(_ text: String) -> String {
        XMLText.escaped(text)
    }
}
