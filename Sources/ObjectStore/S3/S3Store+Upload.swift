import Crypto
import Foundation

/// The requests behind ``S3ObjectWriter``: single PUT and the multipart upload's steps.
extension S3Store {
    /// The payload hash of object and part bodies. Their integrity is checked by the server
    /// through `x-amz-checksum-sha256` instead; signing the payload too would make the server
    /// hash every byte a second time.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// PUTs `bytes` (or, when `file` is given, that file range) as `key` with its SHA-256,
    /// which the server verifies.
    ///
    /// - Parameters:
    ///   - sha256: the raw digest of the body when the caller has it (always for a file range).
    /// - Returns: the object's checksum (`sha256`), as `stat` will report it.
    /// - Errors: `badDigest` when the server's checksum differs from ours; any S3 error.
    func putObject(key: String, bytes: [UInt8], file: FileRange? = nil, sha256: Data? = nil) async throws(ObjectStoreError) -> Checksum {
        let digest = sha256 ?? Data(SHA256.hash(data: bytes))
        let checksum = Checksum(algorithm: "sha256", value: digest.base64EncodedString())
        let request = HTTPRequest(method: "PUT", url: url(forKey: key),
                                  headers: [("x-amz-checksum-sha256", checksum.value),
                                            // What AWS SDKs send beside it; moto keeps (and
                                            // reports) a PUT's checksum only with this header.
                                            ("x-amz-sdk-checksum-algorithm", "SHA256"),
                                            ("x-amz-content-sha256", Self.unsignedPayload),
                                            ("Content-Type", "application/octet-stream")],
                                  body: bytes, bodyFile: file)
        let response = try await send(request, operation: .write, action: "PutObject", key: key)
        if let reported = Self.checksum(from: response), reported.value != checksum.value {
            throw ObjectStoreError(code: .badDigest, operation: .write, key: key,
                                   message: "PutObject \(errors.target(key)): the server reports checksum \(reported.value), we sent \(checksum.value); upload it again")
        }
        return checksum
    }

    /// Starts a multipart upload of `key` whose parts carry SHA-256 checksums.
    ///
    /// - Returns: the upload id.
    func createMultipartUpload(key: String) async throws(ObjectStoreError) -> String {
        let request = HTTPRequest(method: "POST", url: url(forKey: key, query: [("uploads", "")]),
                                  headers: [("x-amz-checksum-algorithm", "SHA256"),
                                            ("x-amz-content-sha256", Self.emptySHA256Hex),
                                            ("Content-Type", "application/octet-stream")])
        let response = try await send(request, operation: .write, action: "CreateMultipartUpload", key: key)
        if createReplyIsLost() {
            throw ObjectStoreError(code: .connection, operation: .write, key: key,
                                   message: "CreateMultipartUpload \(errors.target(key)): the reply was lost (a fault injected by a test)")
        }
        guard let id = S3XMLElement.parse(response.body)?.text("UploadId"), !id.isEmpty else {
            throw ObjectStoreError(code: .internalError, operation: .write, key: key,
                                   message: "CreateMultipartUpload \(errors.target(key)): the answer holds no UploadId", isTransient: true)
        }
        return id
    }

    /// Uploads part `number` of an upload, with its SHA-256 for the server to verify.
    func uploadPart(key: String, uploadID: String, number: Int, bytes: [UInt8], file: FileRange? = nil,
                    sha256: Data? = nil) async throws(ObjectStoreError) -> S3ObjectWriter.Part {
        let digest = sha256 ?? Data(SHA256.hash(data: bytes))
        let base64 = digest.base64EncodedString()
        let action = "UploadPart \(number)"
        let request = HTTPRequest(method: "PUT",
                                  url: url(forKey: key, query: [("partNumber", String(number)), ("uploadId", uploadID)]),
                                  headers: [("x-amz-checksum-sha256", base64), ("x-amz-content-sha256", Self.unsignedPayload)],
                                  body: bytes, bodyFile: file)
        let response = try await send(request, operation: .write, action: action, key: key)
        guard let etag = response.header("etag") else {
            throw ObjectStoreError(code: .internalError, operation: .write, key: key,
                                   message: "\(action) \(errors.target(key)): the answer has no ETag", isTransient: true)
        }
        if let reported = response.header("x-amz-checksum-sha256"), reported != base64 {
            throw ObjectStoreError(code: .badDigest, operation: .write, key: key,
                                   message: "\(action) \(errors.target(key)): the server reports checksum \(reported), we sent \(base64)")
        }
        return S3ObjectWriter.Part(number: number, etag: etag, sha256: digest)
    }

    /// S3's composite checksum of a multipart upload: the SHA-256 of the parts' raw SHA-256s,
    /// base64, then `-<parts>`.
    static func compositeChecksum(of parts: [S3ObjectWriter.Part]) -> Checksum {
        var combined = SHA256()
        for part in parts { combined.update(data: part.sha256) }
        return Checksum(algorithm: "sha256-composite",
                        value: Data(combined.finalize()).base64EncodedString() + "-\(parts.count)")
    }

    /// Completes an upload from its parts (sorted by number).
    ///
    /// - Parameter expected: the composite checksum we computed; a different one from the
    ///   server is a `badDigest` error.
    func completeMultipartUpload(key: String, uploadID: String, parts: [S3ObjectWriter.Part], expected: Checksum) async throws(ObjectStoreError) {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(xmlEscaped(part.etag))</ETag>"
            xml += "<ChecksumSHA256>\(part.sha256.base64EncodedString())</ChecksumSHA256></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        let request = HTTPRequest(method: "POST", url: url(forKey: key, query: [("uploadId", uploadID)]),
                                  headers: [("Content-Type", "application/xml"),
                                            ("x-amz-content-sha256", SHA256.hash(data: body).hexString)],
                                  body: body)
        let action = "CompleteMultipartUpload"
        let response = try await send(request, operation: .write, action: action, key: key)
        // S3 may answer 200 and still fail: the error then is the document's root.
        let document = S3XMLElement.parse(response.body)
        if document?.name == "Error" {
            throw errors.error(for: HTTPResponse(status: 500, headers: response.headers, body: response.body),
                               operation: .write, action: action, key: key)
        }
        if let reported = document?.text("ChecksumSHA256"), !reported.isEmpty, !Self.compositeMatches(reported: reported, expected: expected) {
            throw ObjectStoreError(code: .badDigest, operation: .write, key: key,
                                   message: "\(action) \(errors.target(key)): the server's composite checksum \(reported) differs from ours \(expected.value)")
        }
    }
}
