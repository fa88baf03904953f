import Platform
/// A duration as scenario files write it: a string with a unit (`"50ms"`, `"2s"`, `"10m"`,
/// `"1.5s"`, `"250us"`, `"1h"`).
///
/// Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. A bare number is rejected: a scenario must
/// say whether it means seconds or milliseconds. Encodes back to the shortest exact string.
public struct DurationText: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The duration.
    public var duration: Duration

    /// Wraps `duration`.
    public init(_ duration: Duration) {
        self.duration = duration
    }

    /// Parses a duration written as a number and a unit.
    ///
    /// - Errors: ``UnitParseError`` naming what was wrong (no number, missing or unknown unit).
    public init(parsing text: String) throws(UnitParseError) {
        let (number, unit) = try UnitText.split(text, what: "duration", example: "\"50ms\"")
        let nanosecondsPerUnit: [String: Double] = [
            "ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
        ]
        guard !unit.isEmpty else {
            throw UnitParseError(text: text, reason: "a duration needs a unit: ns, us, ms, s, m or h (e.g. \"50ms\")")
        }
        guard let scale = nanosecondsPerUnit[unit] else {
            throw UnitParseError(text: text, reason: "unknown duration unit '\(unit)' (use ns, us, ms, s, m or h)")
        }
        let nanoseconds = number * scale
        guard nanoseconds < 9.2e18 else { throw UnitParseError(text: text, reason: "the duration is too long") }
        self.duration = .nanoseconds(Int64(nanoseconds.rounded()))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected a duration string such as \"50ms\" or \"2s\", found \(JSONValueDescription.of(container))")
        }
        do {
            self.duration = try DurationText(parsing: text).duration
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: DurationText, rhs: DurationText) -> Bool { lhs.duration < rhs.duration }

    /// The duration in the largest unit that divides it exactly (`"50ms"`, `"2s"`).
    public var description: String {
        let nanoseconds = duration.nanosecondsClamped
        for (unit, scale) in [("h", Int64(3600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)]
        where nanoseconds != 0 && nanoseconds % scale == 0 {
            return "\(nanoseconds / scale)\(unit)"
        }
        return "\(nanoseconds)ns"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to the range of `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? (product < 0 ? .min : .max) : sum
    }

    /// The duration in seconds, as a floating-point number (Platform's ``inSeconds``).
    var secondsDouble: Double { inSeconds }

    /// `seconds` as a duration, rounded to whole nanoseconds; negative or NaN becomes zero.
    static func seconds(rounding seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds * 1e9, 9.2e18).rounded()))
    }
}
