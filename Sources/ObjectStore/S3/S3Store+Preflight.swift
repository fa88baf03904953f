extension S3Store {
    /// Checks the endpoint, the credentials and the bucket with one `HeadBucket` request, so a
    /// wrong setting is reported before any upload is attempted.
    ///
    /// `HeadBucket` is signed like every request: a wrong key or secret gets 403, a missing
    /// bucket 404. The request runs under the configuration's connect and request timeouts; call
    /// it on a store configured with short ones to fail within seconds.
    ///
    /// - Parameter prefix: unused by S3 (the bucket is what can be missing); kept for the protocol.
    /// - Errors: `noSuchBucket` when the bucket does not exist; `accessDenied` when the
    ///   credentials are refused; `connection` or `timeout` when the endpoint does not answer.
    public func checkAccess(prefix: String) async throws(ObjectStoreError) {
        var endpoint = configuration.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        let request = HTTPRequest(method: "HEAD", url: endpoint + "/" + s3PercentEncoded(configuration.bucket, keepSlash: false),
                                  headers: [("x-amz-content-sha256", Self.emptySHA256Hex)])
        do throws(ObjectStoreError) {
            _ = try await send(request, operation: .list, action: "HeadBucket", key: nil)
        } catch where error.code == .notFound {
            // HEAD has no body, so a missing bucket shows only as 404.
            throw ObjectStoreError(code: .noSuchBucket, operation: .list, key: nil,
                                   message: "HeadBucket \(errors.target(nil)): no such bucket; create it or fix the bucket name",
                                   httpStatus: error.httpStatus, cause: error)
        }
    }
}
