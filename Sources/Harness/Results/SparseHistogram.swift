public import Histogram

/// An HDR histogram as its non-empty buckets: `[value, count]` pairs in microseconds, with the
/// precision it was recorded at. Rebuilding and adding histograms of many results gives the
/// exact percentiles of all their samples together (percentiles themselves cannot be merged).
public struct SparseHistogram: Sendable, Codable, Equatable {
    /// Significant decimal digits of the recording histogram (1 to 5).
    public var significantDigits: Int
    /// `[value, count]` per recorded bucket, by value; values in microseconds.
    public var counts: [[UInt64]]

    public init(significantDigits: Int, counts: [[UInt64]]) {
        self.significantDigits = significantDigits
        self.counts = counts
    }

    /// The buckets of `histogram`.
    public init(_ histogram: Histogram<UInt64>) {
        significantDigits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        counts = histogram.recordedValues().map { [$0.value, UInt64($0.count)] }
    }

    /// The histogram these buckets came from (auto-resizing, same precision).
    public func histogram() -> Histogram<UInt64> {
        let digits = Int8(exactly: significantDigits).flatMap(SignificantDigits.init(rawValue:)) ?? .three
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: digits)
        histogram.autoResize = true
        for pair in counts where pair.count == 2 && pair[1] > 0 {
            _ = histogram.record(pair[0], count: pair[1])
        }
        return histogram
    }

    /// The samples it holds.
    public var totalCount: UInt64 { counts.reduce(0) { $0 + ($1.count == 2 ? $1[1] : 0) } }
}
