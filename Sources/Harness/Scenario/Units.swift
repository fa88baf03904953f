public import FaultInjection
import Foundation

/// The units scenario authors write, parsed by the fault layer's ``ByteSize`` and
/// ``DurationText`` so scenarios and fault rules accept exactly the same forms.
public enum Units {
    /// What a size may look like, for error messages.
    public static let sizeHelp = "a size such as \"8MiB\", \"512KiB\", \"1GB\" or an integer number of bytes"
    /// What a duration may look like, for error messages.
    public static let durationHelp = "a duration such as \"50ms\", \"2s\" or \"10m\""

    /// Parses a size, or says why `text` is not one.
    public static func parseSize(_ text: String) -> Result<UInt64, UnitParseError> {
        Result { () throws(UnitParseError) in try ByteSize(parsing: text).bytes }
    }

    /// Parses a duration, or says why `text` is not one.
    public static func parseDuration(_ text: String) -> Result<Duration, UnitParseError> {
        Result { () throws(UnitParseError) in try DurationText(parsing: text).duration }
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
        if unit == 0 { return "\(bytes) B" }
        return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
    }
}
