/// How a fault phase is measured: goodput in one-second segments of the run, the median segment
/// before the phase as its baseline, and the time after the phase until throughput is back.
public enum PhaseRecovery {
    /// The length of a segment, seconds.
    public static let segmentSeconds = 1.0
    /// The share of the baseline a segment must reach to count as recovered.
    public static let recoveredFraction = 0.9
    /// How many consecutive recovered segments end the recovery.
    public static let consecutiveSegments = 3

    /// Goodput (MiB/s) of each whole one-second segment from the run's start to `end`.
    ///
    /// - Parameters:
    ///   - completions: when each acknowledged flush ended (seconds from the run's start) and its bytes.
    ///   - end: when the flushes ended, seconds from the run's start; a last partial segment is left out.
    public static func segments(_ completions: [(at: Double, bytes: UInt64)], end: Double) -> [Double] {
        let count = max(0, Int((end / segmentSeconds).rounded(.down)))
        var bytes = [UInt64](repeating: 0, count: count)
        for completion in completions where completion.at >= 0 {
            let index = Int(completion.at / segmentSeconds)
            if index < count { bytes[index] += completion.bytes }
        }
        return bytes.map { Double($0) / 1_048_576 / segmentSeconds }
    }

    /// The baseline before a phase starting at `from`: the median of the whole segments that end
    /// by then; `nil` when there is none.
    public static func baseline(_ segments: [Double], from: Double) -> Double? {
        let before = segments.prefix(min(segments.count, Int((from / segmentSeconds).rounded(.down)))).sorted()
        guard !before.isEmpty else { return nil }
        let middle = before.count / 2
        return before.count % 2 == 1 ? before[middle] : (before[middle - 1] + before[middle]) / 2
    }

    /// Seconds from `to` (the phase's end) until the start of the first run of
    /// ``consecutiveSegments`` segments, all starting at or after `to`, each at least
    /// ``recoveredFraction`` of `baseline`; `nil` when no such run exists.
    public static func recoverySeconds(_ segments: [Double], baseline: Double, to: Double) -> Double? {
        let first = Int((to / segmentSeconds).rounded(.up))
        let threshold = baseline * recoveredFraction
        var streak = 0
        var index = first
        while index < segments.count {
            streak = segments[index] >= threshold ? streak + 1 : 0
            if streak == consecutiveSegments {
                let start = Double(index - consecutiveSegments + 1) * segmentSeconds
                return ((start - to) * 1000).rounded() / 1000
            }
            index += 1
        }
        return nil
    }
}
