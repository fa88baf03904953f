import Foundation

/// Parsers for the units scenario authors write: sizes (`"8MiB"`, `"512KiB"`, `"1GB"`, or an
/// integer of bytes) and durations (`"50ms"`, `"2s"`, `"10m"`).
public enum Units {
    private static let sizeUnits: [(String, Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
        ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("B", 1),
    ]
    private static let durationUnits: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// What a size may look like, for error messages.
    public static let sizeHelp = "a size such as \"8MiB\", \"512KiB\", \"1GB\" or an integer number of bytes"
    /// What a duration may look like, for error messages.
    public static let durationHelp = "a duration such as \"50ms\", \"2s\" or \"10m\""

    /// Parses a size; `nil` when `text` is not one. Negative sizes are not sizes.
    public static func parseSize(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in sizeUnits where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value.isFinite, !number.hasPrefix("+") else { return nil }
            let bytes = (value * factor).rounded()
            return bytes < 1.8e19 ? UInt64(bytes) : nil
        }
        return UInt64(trimmed)
    }

    /// Parses a duration; `nil` when `text` is not one.
    public static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Longest suffixes first so "ms" is not read as "s".
        for (suffix, factor) in durationUnits.sorted(by: { $0.0.count > $1.0.count }) where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value.isFinite, !number.hasPrefix("+") else { return nil }
            let nanoseconds = value * factor * 1e9
            guard nanoseconds < 9e18 else { return nil }
            return .nanoseconds(Int64(nanoseconds.rounded()))
        }
        return nil
    }

    /// A size in the largest binary unit that keeps it readable ("8 MiB", "1.5 GiB").
    public static func formatSize(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : (value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit]))
    }
}
