import Crypto
import Foundation
import Synchronization

/// An object store on an S3-compatible server, spoken to through libcurl.
///
/// Requests are path-style (`endpoint/bucket/prefix+key`) and signed by libcurl's SigV4
/// (`CURLOPT_AWS_SIGV4`). They run on one dedicated thread that owns a curl multi handle
/// (``CurlEngine``), so connections are reused and no Swift task ever blocks in libcurl.
/// Every object and every multipart part carries its SHA-256 (`x-amz-checksum-sha256`), which
/// the server verifies; ``stat(key:)`` returns it (for a multipart upload, S3's composite
/// checksum, which ``ObjectWriter/close()`` also returns, so the two can be compared). Servers
/// report that checksum in different forms; ``S3ReportedChecksum`` reads each into one.
///
/// The store does not retry: a failed request throws an ``ObjectStoreError`` whose
/// ``ObjectStoreError/isTransient`` tells the caller's retry policy whether to try again.
public final class S3Store: ObjectStore {
    public let kind = "s3"
    /// Where the store points.
    public let configuration: S3Configuration
    let engine: CurlEngine
    let errors: S3ErrorMapping
    private let bucketURL: String
    /// Faults injected by tests (none otherwise).
    let injectedFaults = Mutex(S3InjectedFaults())
    /// Numbers the requests sent through a proxy (``S3Configuration/proxy``).
    private let requestNumbers = Atomic<UInt64>(0)
    /// This store's requests' mark, so two stores behind one proxy never share numbers.
    private let requestMark = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    /// Creates a store; no request is sent until the first operation.
    public init(configuration: S3Configuration) {
        self.configuration = configuration
        var endpoint = configuration.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.bucketURL = endpoint + "/" + s3PercentEncoded(configuration.bucket, keepSlash: false)
        let credentials = configuration.credentials
        self.engine = CurlEngine(
            userPassword: "\(credentials.accessKeyID):\(credentials.secretAccessKey)",
            signing: "aws:amz:\(configuration.region):s3",
            limits: TransferLimits(connectTimeout: configuration.connectTimeout,
                                   requestTimeout: configuration.requestTimeout,
                                   lowSpeedBytesPerSecond: configuration.lowSpeedBytesPerSecond,
                                   lowSpeedTime: configuration.lowSpeedTime, proxy: configuration.proxy))
        self.errors = S3ErrorMapping(bucket: configuration.bucket, credentials: credentials)
    }

    deinit {
        engine.shutdown()
    }

    // MARK: - Bucket

    /// Creates the configured bucket; succeeds when it already exists and is ours.
    ///
    /// - Errors: transport errors while the server is not up (transient); `accessDenied`.
    public func createBucket() async throws(ObjectStoreError) {
        let request = HTTPRequest(method: "PUT", url: bucketURL, headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        let response = try await send(request, operation: .write, action: "CreateBucket", key: nil, accepting: [409])
        if response.status == 409 {
            let code = S3XMLElement.parse(response.body)?.text("Code")
            guard code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" else {
                throw errors.error(for: response, operation: .write, action: "CreateBucket", key: nil)
            }
        }
    }

    // MARK: - ObjectStore

    public func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try ObjectKey.validate(key, operation: .write)
        return S3ObjectWriter(store: self, key: key, options: options)
    }

    public func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try ObjectKey.validate(key, operation: .read)
        if range.isEmpty {
            _ = try await stat(key: key)
            return []
        }
        // An upper bound past what a signed 64-bit server parses means "to the end".
        let last = range.upperBound - 1 <= UInt64(Int64.max) ? String(range.upperBound - 1) : ""
        let request = HTTPRequest(
            method: "GET", url: url(forKey: key),
            headers: [("Range", "bytes=\(range.lowerBound)-\(last)"),
                      ("x-amz-content-sha256", Self.emptySHA256Hex)],
            expectedResponseBytes: Int(min(range.upperBound - range.lowerBound, 64 << 20)))
        let response = try await send(request, operation: .read, action: "GetObject", key: key, accepting: [416])
        if response.status == 416 {
            // Past the end, or any range of an empty object: only the latter is a valid read.
            let info = try await stat(key: key)
            if info.size == 0 && range.lowerBound == 0 { return [] }
            throw ObjectStoreError(code: .invalidRange, operation: .read, key: key,
                                   message: "GetObject \(errors.target(key)) at \(range.lowerBound): the object has only \(info.size) bytes",
                                   httpStatus: 416)
        }
        if response.status == 200 {
            // The server ignored the range and sent the whole object.
            let lower = Int(min(range.lowerBound, UInt64(response.body.count)))
            let upper = Int(min(range.upperBound, UInt64(response.body.count)))
            return Array(response.body[lower..<upper])
        }
        return response.body
    }

    public func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .stat)
        let request = HTTPRequest(method: "HEAD", url: url(forKey: key),
                                  headers: [("x-amz-checksum-mode", "ENABLED"), ("x-amz-content-sha256", Self.emptySHA256Hex)])
        let response = try await send(request, operation: .stat, action: "HeadObject", key: key)
        guard let length = response.header("content-length").flatMap({ UInt64($0) }) else {
            throw ObjectStoreError(code: .internalError, operation: .stat, key: key,
                                   message: "HeadObject \(errors.target(key)): the response has no Content-Length", isTransient: true)
        }
        return ObjectInfo(key: key, size: length, checksum: try await resolvedChecksum(of: key, head: response))
    }

    public func delete(key: String) async throws(ObjectStoreError) {
        try ObjectKey.validate(key, operation: .delete)
        let request = HTTPRequest(method: "DELETE", url: url(forKey: key), headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        _ = try await send(request, operation: .delete, action: "DeleteObject", key: key, accepting: [404])
    }

    public func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        var token: String?
        // Bounded: each page must move the continuation token forward.
        for _ in 0..<1_000_000 {
            var query = [("list-type", "2"), ("prefix", configuration.prefix + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let document = try await getXML(query: query, operation: .list, action: "ListObjectsV2", key: prefix)
            for entry in document.children("Contents") {
                guard let fullKey = entry.text("Key"), fullKey.hasPrefix(configuration.prefix),
                      let size = entry.text("Size").flatMap({ UInt64($0) }) else { continue }
                objects.append(ObjectInfo(key: String(fullKey.dropFirst(configuration.prefix.count)), size: size,
                                          lastModified: entry.text("LastModified").flatMap(S3Timestamp.seconds)))
            }
            guard document.text("IsTruncated") == "true", let next = document.text("NextContinuationToken"),
                  !next.isEmpty, next != token else { break }
            token = next
        }
        return objects.sorted { $0.key < $1.key }
    }

    public func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        var uploads: [IncompleteUpload] = []
        var markers: (key: String, uploadID: String)?
        for _ in 0..<1_000_000 {
            var query = [("uploads", ""), ("prefix", configuration.prefix + prefix)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.uploadID)] }
            let document = try await getXML(query: query, operation: .list, action: "ListMultipartUploads", key: prefix)
            for upload in document.children("Upload") {
                guard let fullKey = upload.text("Key"), fullKey.hasPrefix(configuration.prefix),
                      let id = upload.text("UploadId") else { continue }
                uploads.append(IncompleteUpload(key: String(fullKey.dropFirst(configuration.prefix.count)), uploadID: id))
            }
            guard document.text("IsTruncated") == "true", let key = document.text("NextKeyMarker"),
                  let id = document.text("NextUploadIdMarker"), !(key.isEmpty && id.isEmpty),
                  key != markers?.key || id != markers?.uploadID else { break }
            markers = (key, id)
        }
        return uploads
    }

    public func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        if abortFailsByInjection() {
            throw ObjectStoreError(code: .internalError, operation: .delete, key: upload.key,
                                   message: "AbortMultipartUpload \(errors.target(upload.key)): failed (a fault injected by a test)")
        }
        let request = HTTPRequest(method: "DELETE", url: url(forKey: upload.key, query: [("uploadId", upload.uploadID)]),
                                  headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        _ = try await send(request, operation: .delete, action: "AbortMultipartUpload", key: upload.key, accepting: [404])
    }

    // MARK: - Requests

    /// The hex SHA-256 of no bytes: the payload hash of a request without a body.
    static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The URL of `key` (with the configured prefix), plus a canonical query.
    func url(forKey key: String, query: [(String, String)] = []) -> String {
        let path = bucketURL + "/" + s3PercentEncoded(configuration.prefix + key, keepSlash: true)
        return query.isEmpty ? path : path + "?" + s3CanonicalQuery(query)
    }

    /// Sends `request`; a status outside 2xx (and `accepting`) becomes an ``ObjectStoreError``.
    func send(_ request: HTTPRequest, operation: ObjectStoreError.Operation, action: String, key: String?,
              accepting: Set<Int> = []) async throws(ObjectStoreError) -> HTTPResponse {
        var request = request
        if configuration.proxy != nil {
            // One value per request, signed like any header and forwarded unchanged: the proxy
            // counts attempts by it, and knows a libcurl resend of the same request as such.
            let number = requestNumbers.wrappingAdd(1, ordering: .relaxed).newValue
            request.headers.append(("x-flushbench-request", "\(requestMark)-\(number)"))
        }
        let response: HTTPResponse
        do {
            response = try await engine.perform(request)
        } catch {
            throw errors.error(for: error, operation: operation, action: action, key: key)
        }
        guard (200..<300).contains(response.status) || accepting.contains(response.status) else {
            throw errors.error(for: response, operation: operation, action: action, key: key)
        }
        return response
    }

    /// GETs the bucket with `query` and parses the XML answer.
    private func getXML(query: [(String, String)], operation: ObjectStoreError.Operation, action: String,
                        key: String) async throws(ObjectStoreError) -> S3XMLElement {
        let request = HTTPRequest(method: "GET", url: bucketURL + "?" + s3CanonicalQuery(query),
                                  headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        let response = try await send(request, operation: operation, action: action, key: key)
        guard let document = S3XMLElement.parse(response.body) else {
            throw ObjectStoreError(code: .internalError, operation: operation, key: key,
                                   message: "\(action) \(errors.target(key)): the answer is not well-formed XML", isTransient: true)
        }
        return document
    }
}

extension Digest {
    /// Lower-case hex, as `x-amz-content-sha256` wants it.
    var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
