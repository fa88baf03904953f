public import ObjectStore

/// The S3 operations a network fault rule can select (`op`), as the fault proxy recognizes them
/// from a request's method and query.
public enum S3Operation: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case putObject = "PutObject"
    case uploadPart = "UploadPart"
    case createMultipartUpload = "CreateMultipartUpload"
    case completeMultipartUpload = "CompleteMultipartUpload"
    case getObject = "GetObject"
    case headObject = "HeadObject"
    case deleteObject = "DeleteObject"
    case listObjectsV2 = "ListObjectsV2"
    case abortMultipartUpload = "AbortMultipartUpload"

    /// The store operation this S3 operation serves (a multipart upload is a `write`, its
    /// abort a `delete`, as ``ObjectStoreError/Operation`` names them).
    public var storeOperation: ObjectStoreError.Operation {
        switch self {
        case .putObject, .uploadPart, .createMultipartUpload, .completeMultipartUpload: .write
        case .getObject: .read
        case .headObject: .stat
        case .deleteObject, .abortMultipartUpload: .delete
        case .listObjectsV2: .list
        }
    }

    /// The S3 operations that serve the store operations `selector` names.
    public static func serving(_ selector: FaultRule.OperationSelector) -> [S3Operation] {
        allCases.filter { selector.matches($0.storeOperation) }
    }

    /// Whether the request carries a body that a `partial` fault can cut.
    var hasRequestBody: Bool {
        self == .putObject || self == .uploadPart || self == .completeMultipartUpload
    }

    /// Whether the response carries a body that a `truncate` fault can cut.
    var hasResponseBody: Bool {
        switch self {
        case .getObject, .listObjectsV2, .createMultipartUpload, .completeMultipartUpload: true
        default: false
        }
    }

    /// Whether the proxy can inject a fault of `kind` into this operation.
    public func accepts(_ kind: FaultKind) -> Bool {
        switch kind {
        case .latency, .error, .hang, .ackLost, .bandwidth: true
        case .partial: hasRequestBody
        case .truncate: hasResponseBody
        // S3 documents a 200 whose body is an error for CompleteMultipartUpload (and copies).
        case .error200: self == .completeMultipartUpload
        case .torn, .crash, .corrupt: false
        }
    }

    /// A stable number per operation, folded into every decision hash (never reordered).
    var code: UInt64 {
        switch self {
        case .putObject: 100
        case .uploadPart: 101
        case .createMultipartUpload: 102
        case .completeMultipartUpload: 103
        case .getObject: 104
        case .headObject: 105
        case .deleteObject: 106
        case .listObjectsV2: 107
        case .abortMultipartUpload: 108
        }
    }

    public static func < (lhs: S3Operation, rhs: S3Operation) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One HTTP request as the fault proxy understands it: the S3 operation, the object key (the
/// store's key, without bucket and prefix), and the part number or range start that tells
/// attempts of one object apart.
public struct S3RequestTarget: Sendable, Hashable {
    /// The operation; `nil` for requests no rule selects (bucket creation, listing uploads, ...).
    public var operation: S3Operation?
    /// The store's key (a listing's prefix); empty for bucket-level requests.
    public var key: String
    /// UploadPart's part number, or a ranged GetObject's first byte; 0 otherwise.
    public var part: UInt64

    public init(operation: S3Operation?, key: String, part: UInt64) {
        self.operation = operation
        self.key = key
        self.part = part
    }

    /// Classifies a request from its method, its target (`/bucket/key?query` or an absolute
    /// `http://host/bucket/key?query`) and its `Range` header.
    ///
    /// - Parameters:
    ///   - bucket: the bucket the store uses (requests for others are not selected).
    ///   - keyPrefix: the store's configured prefix, removed from keys.
    public static func classify(method: String, uri: String, range: String?, bucket: String, keyPrefix: String) -> S3RequestTarget {
        let target = originForm(Substring(uri))
        let path: Substring
        var query: [String: String] = [:]
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            for item in target[target.index(after: mark)...].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[percentDecoded(pair[0])] = pair.count > 1 ? percentDecoded(pair[1]) : ""
            }
        } else {
            path = target
        }
        let segments = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = segments.first, percentDecoded(first) == bucket else {
            return S3RequestTarget(operation: nil, key: "", part: 0)
        }
        let rawKey = segments.count > 1 ? percentDecoded(segments[1]) : ""
        func strip(_ key: String) -> String { key.hasPrefix(keyPrefix) ? String(key.dropFirst(keyPrefix.count)) : key }
        let objectLevel = !rawKey.isEmpty
        let operation: S3Operation?
        var key = strip(rawKey)
        var part: UInt64 = 0
        switch (method, objectLevel) {
        case ("GET", true):
            operation = query["uploadId"] == nil ? .getObject : nil
            if let range, range.hasPrefix("bytes="), let start = UInt64(range.dropFirst(6).prefix { $0 != "-" }) { part = start }
        case ("GET", false):
            operation = query["list-type"] == "2" ? .listObjectsV2 : nil
            key = strip(query["prefix"] ?? "")
        case ("HEAD", true): operation = .headObject
        case ("PUT", true):
            if query["uploadId"] != nil, let number = query["partNumber"].flatMap({ UInt64($0) }) {
                operation = .uploadPart
                part = number
            } else {
                operation = query["uploadId"] == nil && query["partNumber"] == nil ? .putObject : nil
            }
        case ("POST", true):
            if query["uploads"] != nil { operation = .createMultipartUpload }
            else if query["uploadId"] != nil { operation = .completeMultipartUpload }
            else { operation = nil }
        case ("DELETE", true): operation = query["uploadId"] == nil ? .deleteObject : .abortMultipartUpload
        default: operation = nil
        }
        return S3RequestTarget(operation: operation, key: operation == nil ? "" : key, part: part)
    }

    /// `http://host:port/path?query` -> `/path?query`; a target already in origin form as it is.
    static func originForm(_ uri: Substring) -> Substring {
        let bytes = Array(uri.utf8.prefix(16))
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon + 2 < bytes.count,
              bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/"),
              bytes[..<colon].allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) }) else { return uri }
        let rest = uri.utf8.dropFirst(colon + 3)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return "/" }
        return uri[slash...]
    }

    /// `%XX` sequences decoded as UTF-8 (malformed ones kept as written).
    static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
