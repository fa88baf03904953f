/// What an S3 server's answer says about an object's SHA-256, once interpreted.
///
/// Servers report the same checksum in different forms. A single PUT's checksum is the
/// SHA-256 of the object everywhere. A multipart upload's is S3's *composite* checksum (the
/// SHA-256 of the parts' SHA-256s, then `-<parts>`), but AWS and MinIO send the value with its
/// `-<parts>` suffix, newer AWS also `x-amz-checksum-type: COMPOSITE`, SeaweedFS the suffix
/// alone, and moto neither (only the multipart ETag `"<md5>-<parts>"` tells). S3 defines a
/// SHA-256 of a multipart upload as composite only (`FULL_OBJECT` exists for the CRCs).
enum S3ReportedChecksum: Equatable, Sendable {
    /// The server reported no SHA-256.
    case none
    /// The checksum, in our canonical form (`sha256`, or `sha256-composite` with `-<parts>`).
    case known(Checksum)
    /// A composite checksum (base64, without suffix) whose part count the answer does not give.
    case compositeWithoutPartCount(String)
    /// A checksum of a multipart object (or of an object whose ETag is no MD5) whose type the
    /// answer does not say: the part count (`HEAD ?partNumber=1`) decides.
    case ambiguous(String)

    /// Interprets the headers of a HeadObject, GetObject or PutObject answer.
    ///
    /// Uses, in this order: a `-<parts>` suffix on the value; `x-amz-checksum-type`
    /// (`FULL_OBJECT` or `COMPOSITE`); the part count from `x-amz-mp-parts-count` or the ETag's
    /// `-<parts>` suffix (a multipart object's SHA-256 is composite); an ETag that is a plain
    /// MD5 (a single PUT: a whole-object SHA-256).
    ///
    /// - Parameter headers: the answer's headers, names lower-cased.
    static func interpret(headers: [String: String]) -> S3ReportedChecksum {
        guard let raw = headers["x-amz-checksum-sha256"]?.trimmingCharacters(in: " \t"), !raw.isEmpty else { return .none }
        let (base, suffixParts) = splitPartCount(raw)
        if let suffixParts { return .known(.composite(base, parts: suffixParts)) }
        let parts = headers["x-amz-mp-parts-count"].flatMap { Int($0.trimmingCharacters(in: " \t")) }.flatMap { $0 > 0 ? $0 : nil }
            ?? etagPartCount(headers["etag"])
        switch headers["x-amz-checksum-type"]?.trimmingCharacters(in: " \t").uppercased() {
        case "FULL_OBJECT":
            return .known(Checksum(algorithm: "sha256", value: base))
        case "COMPOSITE":
            return parts.map { .known(.composite(base, parts: $0)) } ?? .compositeWithoutPartCount(base)
        default:
            if let parts { return .known(.composite(base, parts: parts)) }
            if isPlainMD5(headers["etag"]) { return .known(Checksum(algorithm: "sha256", value: base)) }
            return .ambiguous(base)
        }
    }

    /// `value` split into its base and a trailing `-<parts>` (base64 has no `-`).
    static func splitPartCount(_ value: String) -> (base: String, parts: Int?) {
        guard let dash = value.lastIndex(of: "-") else { return (value, nil) }
        let digits = value[value.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let parts = Int(digits), parts > 0 else { return (value, nil) }
        return (String(value[..<dash]), parts)
    }

    /// The `-<parts>` of a multipart ETag (`"<hex>-<parts>"`), if it has one.
    static func etagPartCount(_ etag: String?) -> Int? {
        guard let etag else { return nil }
        let unquoted = etag.trimmingCharacters(in: "\" \tW/")
        let (base, parts) = splitPartCount(unquoted)
        guard let parts, !base.isEmpty, base.allSatisfy(\.isHexDigit) else { return nil }
        return parts
    }

    /// Whether `etag` is a plain MD5 (32 hex digits): the ETag of a single PUT.
    static func isPlainMD5(_ etag: String?) -> Bool {
        guard let etag else { return false }
        let unquoted = etag.trimmingCharacters(in: "\" \tW/")
        return unquoted.count == 32 && unquoted.allSatisfy(\.isHexDigit)
    }
}

extension Checksum {
    /// S3's composite SHA-256 of a multipart upload of `parts` parts, in our canonical form.
    static func composite(_ base: String, parts: Int) -> Checksum {
        Checksum(algorithm: "sha256-composite", value: "\(base)-\(parts)")
    }
}

extension S3Store {
    /// The checksum a response reports, in canonical form; `nil` when it reports none, or
    /// reports one whose form cannot be told from the headers alone.
    static func checksum(from response: HTTPResponse) -> Checksum? {
        if case let .known(checksum) = S3ReportedChecksum.interpret(headers: response.headers) { return checksum }
        return nil
    }

    /// The checksum of `key` from a HeadObject answer, asking the server for the part count
    /// when the answer leaves the checksum's form open.
    ///
    /// A checksum whose form stays unknown is `nil`: a size-only check is better than a false
    /// mismatch, and a real mismatch in a known form is still reported by the caller.
    func resolvedChecksum(of key: String, head response: HTTPResponse) async throws(ObjectStoreError) -> Checksum? {
        let base: String
        let knownComposite: Bool
        switch S3ReportedChecksum.interpret(headers: response.headers) {
        case .none: return nil
        case let .known(checksum): return checksum
        case let .compositeWithoutPartCount(value): (base, knownComposite) = (value, true)
        case let .ambiguous(value): (base, knownComposite) = (value, false)
        }
        // HEAD of part 1 answers `x-amz-mp-parts-count` for a multipart object (AWS, MinIO, Ceph,
        // moto); a server without part support answers an error or the whole object.
        let request = HTTPRequest(method: "HEAD", url: url(forKey: key, query: [("partNumber", "1")]),
                                  headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        let part: HTTPResponse
        do {
            part = try await send(request, operation: .stat, action: "HeadObject part 1", key: key)
        } catch {
            if error.code == .notFound || error.code == .cancelled || error.code == .accessDenied { throw error }
            return nil
        }
        if let parts = part.header("x-amz-mp-parts-count").flatMap({ Int($0) }), parts > 0 {
            return .composite(base, parts: parts)
        }
        // No part count: a single-part object, whose SHA-256 is of the whole object, unless the
        // server called it composite.
        return knownComposite ? nil : Checksum(algorithm: "sha256", value: base)
    }

    /// Whether a checksum a server reported for a multipart upload (with or without the
    /// `-<parts>` suffix) is the composite checksum `expected`.
    static func compositeMatches(reported: String, expected: Checksum) -> Bool {
        let (reportedBase, reportedParts) = S3ReportedChecksum.splitPartCount(reported)
        let (expectedBase, expectedParts) = S3ReportedChecksum.splitPartCount(expected.value)
        guard reportedBase == expectedBase else { return false }
        return reportedParts == nil || reportedParts == expectedParts
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
