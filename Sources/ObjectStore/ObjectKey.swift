/// Rules for object keys that every store enforces.
public enum ObjectKey {
    /// The longest key accepted, in UTF-8 bytes (S3's limit).
    public static let maxLength = 1024

    /// Checks that `key` is a relative, `/`-separated path that cannot escape a store's root.
    ///
    /// - Throws: ``ObjectStoreError`` with code `invalidKey` and a message that says which rule
    ///   the key broke: empty, too long, NUL byte, absolute path, empty, `.` or `..` component.
    public static func validate(_ key: String, operation: ObjectStoreError.Operation) throws(ObjectStoreError) {
        func reject(_ why: String) -> ObjectStoreError {
            ObjectStoreError(code: .invalidKey, operation: operation, key: key,
                             message: "\(operation) rejected key '\(sanitized(key))': \(why)")
        }
        if key.isEmpty { throw reject("a key must not be empty") }
        if key.utf8.count > maxLength { throw reject("a key must be at most \(maxLength) bytes") }
        if key.utf8.contains(0) { throw reject("a key must not contain a NUL byte") }
        if key.hasPrefix("/") { throw reject("a key must be a relative path, not start with '/'") }
        for component in key.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { throw reject("a key must not contain an empty path component ('//' or a trailing '/')") }
            if component == "." || component == ".." { throw reject("a key must not contain '.' or '..' components") }
        }
    }

    /// `key` with control characters made visible, for messages.
    static func sanitized(_ key: String) -> String {
        String(key.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined().prefix(300))
    }
}
