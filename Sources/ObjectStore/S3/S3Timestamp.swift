import Foundation

/// S3's ISO 8601 timestamps (`2026-12-01T02:33:49.000Z`, with or without the fraction).
enum S3Timestamp {
    /// Seconds since the Unix epoch of `text`, or `nil` when it is not such a timestamp.
    static func seconds(_ text: String) -> Double? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date.timeIntervalSince1970 }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)?.timeIntervalSince1970
    }
}
