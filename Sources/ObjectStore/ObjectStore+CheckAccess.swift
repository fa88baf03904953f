extension ObjectStore {
    /// Checks that the store answers under `prefix` by listing it once.
    ///
    /// - Errors: whatever ``list(prefix:)`` throws (`noSuchBucket`, `accessDenied`, transport
    ///   errors).
    public func checkAccess(prefix: String) async throws(ObjectStoreError) {
        _ = try await list(prefix: prefix)
    }
}
