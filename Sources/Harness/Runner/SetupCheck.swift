import ObjectStore

/// The checks a run makes before it attempts anything: the endpoint answers, the credentials
/// are accepted and the bucket exists (``ObjectStore/checkAccess(prefix:)``: one `HeadBucket`
/// on S3), within ``timeout`` whatever the endpoint does.
enum SetupCheck {
    /// How long the store may take to answer the check.
    static let timeout: Duration = .seconds(10)

    /// Checks that `remote` can be used under `prefix`.
    ///
    /// - Errors: ``RunSetupError`` with code `endpoint` (no answer, or no answer in time),
    ///   `credentials` (refused), `bucket` (missing) or `store` (anything else); the message
    ///   names the store (endpoint and bucket), never a secret.
    static func run(_ remote: RemoteStore, prefix: String, scenario: String,
                    timeout: Duration = SetupCheck.timeout) async throws(RunSetupError) {
        let bounded = DeadlineStore(wrapping: remote.store, deadline: RunDeadline(.now + timeout))
        do {
            try await bounded.checkAccess(prefix: prefix)
        } catch {
            throw failure(error, remote: remote, scenario: scenario, timeout: timeout)
        }
    }

    static func failure(_ error: ObjectStoreError, remote: RemoteStore, scenario: String, timeout: Duration) -> RunSetupError {
        let code: String
        let advice: String
        switch error.code {
        case .noSuchBucket:
            code = "bucket"
            advice = "the bucket does not exist; create it or set store.bucket"
        case .accessDenied:
            code = "credentials"
            advice = "the credentials were refused; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the bucket's permissions"
        case .connection, .timeout:
            code = "endpoint"
            advice = "the endpoint cannot be reached; check store.endpoint or AWS_ENDPOINT_URL"
        case .cancelled:
            code = "endpoint"
            advice = "the endpoint did not answer within \(timeout)"
        default:
            code = "store"
            advice = "the store cannot be used"
        }
        return RunSetupError(code: code, scenario: scenario,
                             message: "setup check of \(remote.description) failed: \(advice) (\(error.message)); nothing was attempted")
    }
}
