import CCurl
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request as the curl thread runs it: a plain `Sendable` value, like
/// async-http-client's `HTTPClientRequest`.
struct HTTPRequest: Sendable {
    /// `GET`, `HEAD`, `PUT`, `POST` or `DELETE`.
    var method: String
    /// The full URL, already percent-encoded (path-style: `endpoint/bucket/key?query`).
    var url: String
    /// Extra headers, in the order they are sent.
    var headers: [(String, String)] = []
    /// The body to send (empty for none).
    var body: [UInt8] = []
    /// A byte range of an open file to send as the body instead of ``body``: libcurl's thread
    /// reads it with `pread` as it sends, so no copy of the file is held in memory.
    var bodyFile: FileRange?
    /// Where a successful (2xx) response body goes instead of memory: written with `pwrite` on
    /// libcurl's thread as it arrives, at most `length` bytes from `offset`.
    var responseFile: FileRange?
    /// Whether a `200` (a server that ignored the `Range` header and sends the whole object)
    /// may go to ``responseFile``: only right when the range starts at the object's start.
    var responseFromObjectStart = false
    /// Bytes the caller expects back, to size the response buffer once.
    var expectedResponseBytes: Int = 0
}

/// A byte range of an open file descriptor (kept open by the caller until the request ends).
struct FileRange: Sendable {
    var descriptor: Int32
    var offset: UInt64
    var length: Int
}

/// What came back: status, headers (names lower-cased) and body.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    /// Bytes written to the request's ``HTTPRequest/responseFile`` instead of ``body``.
    var bytesWrittenToFile = 0

    /// The header `name` (lower-case), if present.
    func header(_ name: String) -> String? { headers[name] }
}

/// Why a transfer produced no HTTP response.
struct TransportFailure: Error, Sendable, CustomStringConvertible {
    /// What happened, in the terms of ``ObjectStoreError/Code``.
    enum Kind: Sendable {
        /// ``connection`` and ``timeout`` are transient; ``other`` is a permanent failure of the
        /// request itself (malformed URL, TLS verification, failed rewind).
        case connection, timeout, cancelled, other
        /// A local file could not take the response (or the response did not fit it).
        case local
    }

    var kind: Kind
    /// libcurl's result code (0 when the failure is not libcurl's).
    var curlCode: Int
    /// libcurl's text for the code, or our own.
    var detail: String

    var description: String { "curl error \(curlCode): \(detail)" }

    static let cancelled = TransportFailure(kind: .cancelled, curlCode: 0, detail: "the transfer was cancelled")

    /// Classifies a libcurl result code.
    init(curlCode code: CURLcode, detail: String) {
        self.curlCode = Int(code.rawValue)
        self.detail = detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        // The network or the server failed this time: a retry can succeed.
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
             CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
             CURLE_SSL_CONNECT_ERROR, CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            kind = .connection
        case CURLE_ABORTED_BY_CALLBACK:
            kind = .cancelled
        // Everything else (malformed URL, unsupported protocol, TLS verification, a failed
        // rewind of the body, a bad option, out of memory) fails the same way on every attempt.
        default:
            kind = .other
        }
    }

    init(kind: Kind, curlCode: Int, detail: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.detail = detail
    }
}

/// Limits applied to every transfer.
struct TransferLimits: Sendable {
    /// Time allowed to establish a connection.
    var connectTimeout: Duration
    /// Time allowed for a whole request, from start to last byte.
    var requestTimeout: Duration
    /// A transfer slower than this many bytes per second for ``lowSpeedTime`` is abandoned.
    var lowSpeedBytesPerSecond: Int
    /// How long a transfer may stay below ``lowSpeedBytesPerSecond``.
    var lowSpeedTime: Duration
    /// The HTTP proxy of every transfer, if any.
    var proxy: String? = nil
}


/// The state of one transfer while libcurl runs it. Confined to the curl thread after
/// submission: callbacks reach it through the `Unmanaged` pointer set as their user data.
final class CurlTransfer {
    let request: HTTPRequest
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var sent = 0
    private var bodyLength: Int { request.bodyFile?.length ?? request.body.count }
    var responseHeaders: [String: String] = [:]
    var responseBody: [UInt8] = []
    /// Bytes of the body written to ``HTTPRequest/responseFile``.
    private(set) var receivedIntoFile = 0
    /// Whether this response's body goes to the file (decided at its first byte).
    private var bodyToFile: Bool?
    /// Why writing the body to the file failed, if it did.
    private var localFailure: String?
    let completion: @Sendable (Result<HTTPResponse, TransportFailure>) -> Void

    init?(request: HTTPRequest, userPassword: String, signing: String, limits: TransferLimits,
          completion: @escaping @Sendable (Result<HTTPResponse, TransportFailure>) -> Void) {
        guard let handle = curl_easy_init() else { return nil }
        self.request = request
        self.handle = handle
        self.completion = completion
        if request.expectedResponseBytes > 0 {
            responseBody.reserveCapacity(request.expectedResponseBytes)
        }
        configure(userPassword: userPassword, signing: signing, limits: limits)
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
    }

    private func configure(userPassword: String, signing: String, limits: TransferLimits) {
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_string(handle, CURLOPT_URL, request.url)
        ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_string(handle, CURLOPT_USERPWD, userPassword)
        ccurl_easy_setopt_string(handle, CURLOPT_AWS_SIGV4, signing)
        ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, limits.connectTimeout.millisecondsRoundedUp)
        ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, limits.requestTimeout.millisecondsRoundedUp)
        ccurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
        ccurl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, limits.lowSpeedTime.millisecondsRoundedUp / 1000))
        ccurl_easy_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        // Only the configured proxy, never one from the environment (http_proxy, no_proxy).
        ccurl_easy_setopt_string(handle, CURLOPT_PROXY, limits.proxy ?? "")
        ccurl_easy_setopt_string(handle, CURLOPT_NOPROXY, limits.proxy == nil ? "*" : "")
        ccurl_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 << 10)
        ccurl_easy_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
        ccurl_easy_setopt_pointer(handle, CURLOPT_PRIVATE, opaque)
        ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque)
        ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque)

        switch request.method {
        case "GET":
            ccurl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            ccurl_easy_setopt_long(handle, CURLOPT_NOBODY, 1)
        case "PUT":
            ccurl_easy_setopt_long(handle, CURLOPT_UPLOAD, 1)
            ccurl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bodyLength))
            ccurl_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, curlReadBody)
            ccurl_easy_setopt_pointer(handle, CURLOPT_READDATA, opaque)
            ccurl_easy_setopt_seek_callback(handle, CURLOPT_SEEKFUNCTION, curlSeekBody)
            ccurl_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, opaque)
        case "POST":
            ccurl_easy_setopt_long(handle, CURLOPT_POST, 1)
            ccurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyLength))
            ccurl_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, curlReadBody)
            ccurl_easy_setopt_pointer(handle, CURLOPT_READDATA, opaque)
            ccurl_easy_setopt_seek_callback(handle, CURLOPT_SEEKFUNCTION, curlSeekBody)
            ccurl_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, opaque)
        default:
            ccurl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }

        // Send the body without waiting for `100 Continue` (S3 answers errors after the body
        // anyway). Not by removing the header with `Expect:`: libcurl 7.88 would sign the empty
        // header that it then does not send, and the signature would not match.
        ccurl_easy_setopt_long(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        headerList = list
        ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
    }

    /// Copies the next bytes of the body into libcurl's buffer.
    fileprivate func readBody(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bodyLength - sent)
        guard count > 0 else { return 0 }
        if let file = request.bodyFile {
            // A page-cache read on the curl thread, as curl's own file uploads do.
            var done = 0
            while done < count {
                let n = pread(file.descriptor, buffer + done, count - done, off_t(file.offset) + off_t(sent + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return CURL_READFUNC_ABORT_VALUE }
                done += n
            }
            sent += count
            return count
        }
        request.body.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + sent, byteCount: count)
        }
        sent += count
        return count
    }

    /// Moves the body back to `offset` from its start: libcurl rewinds when it sends a request
    /// again (a reused connection that died before any response byte); without this the resend
    /// fails as `CURLE_SEND_FAIL_REWIND`, a permanent error, where the failure was transient.
    fileprivate func seekBody(to offset: Int64, origin: Int32) -> Int32 {
        guard origin == SEEK_SET, offset >= 0, offset <= Int64(bodyLength) else { return 1 }  // CURL_SEEKFUNC_FAIL
        sent = Int(offset)
        return 0  // CURL_SEEKFUNC_OK
    }

    /// Takes the next bytes of the body; returns false to abort the transfer.
    fileprivate func appendBody(_ buffer: UnsafePointer<CChar>, count: Int) -> Bool {
        guard let file = request.responseFile else {
            responseBody.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: count))
            return true
        }
        if bodyToFile == nil {
            var status = 0
            ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            // An error document stays in memory; a 200 is only right for a read from offset 0
            // (the server ignored the range and sends the object from its start).
            bodyToFile = status == 206 || (status == 200 && request.responseFromObjectStart)
            if (200..<300).contains(status) && bodyToFile == false {
                localFailure = "the server answered \(status) to a ranged read"
                return false
            }
        }
        guard bodyToFile == true else {
            responseBody.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: count))
            return true
        }
        guard receivedIntoFile + count <= file.length else {
            localFailure = "the server sent more than the \(file.length) bytes requested"
            return false
        }
        var done = 0
        while done < count {
            let n = pwrite(file.descriptor, buffer + done, count - done, off_t(file.offset) + off_t(receivedIntoFile + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                localFailure = "writing the local file failed: \(String(cString: strerror(errno)))"
                return false
            }
            done += n
        }
        receivedIntoFile += count
        return true
    }

    fileprivate func appendHeader(_ buffer: UnsafePointer<CChar>, count: Int) {
        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (after `100 Continue` or a redirect): forget earlier headers.
            responseHeaders.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        responseHeaders[name] = value
    }

    /// The response, once libcurl reported the transfer done.
    func finish(code: CURLcode) -> Result<HTTPResponse, TransportFailure> {
        if let localFailure {
            return .failure(TransportFailure(kind: .local, curlCode: Int(code.rawValue), detail: localFailure))
        }
        guard code == CURLE_OK else {
            let text = curl_easy_strerror(code).map { String(cString: $0) } ?? "unknown"
            return .failure(TransportFailure(curlCode: code, detail: text))
        }
        var status = 0
        ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody,
                                     bytesWrittenToFile: receivedIntoFile))
    }
}

extension StringProtocol {
    /// This text without the characters of `set` at either end (Foundation-free trimming for
    /// header values and ETags).
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// `CURL_READFUNC_ABORT`: a macro Swift does not import.
private let CURL_READFUNC_ABORT_VALUE = 0x1000_0000

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

private func curlReadBody(_ buffer: UnsafeMutablePointer<CChar>, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    transfer(userdata).readBody(into: buffer, capacity: size * count)
}

private func curlSeekBody(_ userdata: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    transfer(userdata).seekBody(to: Int64(offset), origin: origin)
}

private func curlWriteBody(_ buffer: UnsafeMutablePointer<CChar>, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    transfer(userdata).appendBody(buffer, count: size * count) ? size * count : 0
}

private func curlWriteHeader(_ buffer: UnsafeMutablePointer<CChar>, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    transfer(userdata).appendHeader(buffer, count: size * count)
    return size * count
}
