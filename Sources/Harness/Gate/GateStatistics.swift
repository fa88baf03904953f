import Foundation
import Platform

/// The statistics the gate applies to timed metrics: the Mann-Whitney U rank test, Holm's
/// correction over many metrics, and a bootstrap confidence interval of the ratio of medians.
///
/// All of it is deterministic: the bootstrap draws from a ``SplitMix64`` with a fixed seed, so
/// the same runs give the same report.
public enum GateStatistics {
    /// The outcome of a two-sided Mann-Whitney U test of `a` against `b`.
    public struct MannWhitney: Sendable, Equatable {
        /// U of the first sample: pairs (x from a, y from b) with x > y, plus half the ties.
        public var u: Double
        /// The two-sided p-value.
        public var p: Double
        /// `exact` (the permutation distribution; small samples without ties) or `asymptotic`
        /// (the normal approximation with tie and continuity corrections).
        public var method: String
        /// The rank-biserial correlation, 2U / (n·m) - 1: +1 when every `a` exceeds every `b`.
        public var rankBiserial: Double
    }

    /// Below this size on both sides, and without ties, the exact distribution is used (as
    /// SciPy's `mannwhitneyu(method="auto")` does).
    public static let exactBelow = 8

    /// The two-sided Mann-Whitney U test (Wilcoxon rank-sum) of `a` against `b`.
    ///
    /// Matches SciPy's `mannwhitneyu(a, b, alternative="two-sided")`: exact p-values for samples
    /// smaller than ``exactBelow`` without ties, else the normal approximation with the tie
    /// correction and a continuity correction of 0.5. `nil` when a side is empty.
    public static func mannWhitney(_ a: [Double], _ b: [Double]) -> MannWhitney? {
        let n = a.count, m = b.count
        guard n > 0, m > 0 else { return nil }
        let pooled = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieTerm = 0.0
        var index = 0
        while index < pooled.count {
            var end = index
            while end + 1 < pooled.count, pooled[end + 1].0 == pooled[index].0 { end += 1 }
            let rank = Double(index + end + 2) / 2
            for k in index...end { ranks[k] = rank }
            let t = Double(end - index + 1)
            tieTerm += t * t * t - t
            index = end + 1
        }
        let rankSumA = zip(pooled, ranks).filter { $0.0.1 == 0 }.reduce(0) { $0 + $1.1 }
        let u = rankSumA - Double(n * (n + 1)) / 2
        let product = Double(n * m)
        let biserial = 2 * u / product - 1
        if n < exactBelow, m < exactBelow, tieTerm == 0 {
            // P(U >= max(u, nm - u)) doubled, from the permutation distribution.
            let counts = exactDistribution(n, m)
            let total = counts.reduce(0, +)
            let high = Int(max(u, product - u).rounded())
            let tail = counts[high...].reduce(0, +) / total
            return MannWhitney(u: u, p: min(1, 2 * tail), method: "exact", rankBiserial: biserial)
        }
        let mean = product / 2
        let count = Double(n + m)
        let variance = product / 12 * ((count + 1) - tieTerm / (count * (count - 1)))
        guard variance > 0 else { return MannWhitney(u: u, p: 1, method: "asymptotic", rankBiserial: biserial) }
        let z = (max(u, product - u) - mean - 0.5) / variance.squareRoot()
        let p = min(1, max(0, erfc(z / 2.0.squareRoot())))
        return MannWhitney(u: u, p: p, method: "asymptotic", rankBiserial: biserial)
    }

    /// The smallest two-sided p-value samples of `n` and `m` runs can give (complete
    /// separation); `nil` when a side is empty.
    public static func smallestP(_ n: Int, _ m: Int) -> Double? {
        mannWhitney((0..<n).map(Double.init), (n..<(n + m)).map(Double.init))?.p
    }

    /// How many arrangements of `n` and `m` values give each U from 0 to n·m.
    static func exactDistribution(_ n: Int, _ m: Int) -> [Double] {
        // f(i, j, u): arrangements of i and j values with statistic u; f(i,j,u) = f(i-1,j,u-j) + f(i,j-1,u).
        var table = [[[Double]]](repeating: [[Double]](repeating: [], count: m + 1), count: n + 1)
        for i in 0...n {
            for j in 0...m {
                var counts = [Double](repeating: 0, count: i * j + 1)
                if i == 0 || j == 0 {
                    counts[0] = 1
                } else {
                    for u in 0...(i * j) {
                        let fromA = u >= j && u - j < table[i - 1][j].count ? table[i - 1][j][u - j] : 0
                        let fromB = u < table[i][j - 1].count ? table[i][j - 1][u] : 0
                        counts[u] = fromA + fromB
                    }
                }
                table[i][j] = counts
            }
        }
        return table[n][m]
    }

    /// Holm's step-down adjustment of `pValues` (one per hypothesis, in any order): the adjusted
    /// values, in the same order. A hypothesis is rejected at level α when its adjusted p < α;
    /// the family-wise error rate stays at most α whatever the dependence between the tests.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// The median of `values` (`nil` when empty).
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// A percentile bootstrap confidence interval of median(current) / median(baseline).
    ///
    /// - Parameters:
    ///   - level: the confidence level (0.95 for a 95% interval).
    ///   - resamples: bootstrap resamples (each side resampled with replacement).
    ///   - seed: the ``SplitMix64`` seed (fixed, so reports are reproducible).
    /// - Returns: `nil` when a side is empty or a resampled baseline median is 0.
    public static func medianRatioInterval(baseline: [Double], current: [Double], level: Double = 0.95,
                                           resamples: Int = 2000, seed: UInt64 = 0x6A7E_5EED) -> ClosedRange<Double>? {
        guard !baseline.isEmpty, !current.isEmpty else { return nil }
        var generator = SplitMix64(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        func resample(_ values: [Double]) -> [Double] {
            (0..<values.count).map { _ in values[Int(generator.next() % UInt64(values.count))] }
        }
        for _ in 0..<resamples {
            let base = median(resample(baseline))!, now = median(resample(current))!
            guard base != 0 else { return nil }
            ratios.append(now / base)
        }
        ratios.sort()
        let tail = (1 - level) / 2
        let low = ratios[max(0, Int((tail * Double(resamples)).rounded(.down)))]
        let high = ratios[min(resamples - 1, Int(((1 - tail) * Double(resamples)).rounded(.up)) - 1)]
        return low...high
    }
}
