extension Duration {
    /// The duration in (fractional) seconds, for reports and rates.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in (fractional) milliseconds, for reports and metrics.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Whole milliseconds, rounded up so a tiny positive duration never becomes 0 (which
    /// libcurl and other C APIs read as "no limit"); negative durations are 0, huge ones
    /// saturate at `Int.max`.
    public var millisecondsRoundedUp: Int {
        let parts = components
        guard parts.seconds >= 0, parts.attoseconds >= 0 else { return 0 }
        let fromAttos = (parts.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let (fromSeconds, overflow) = Int(parts.seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return .max }
        let (total, overflowSum) = fromSeconds.addingReportingOverflow(Int(fromAttos))
        return overflowSum ? .max : total
    }
}
