import Foundation
import Harness
import Testing

/// The reference values were computed once with SciPy 1.17.1:
/// `scipy.stats.mannwhitneyu(a, b, alternative="two-sided")` (method "auto").
@Suite("Gate statistics: Mann-Whitney U against SciPy, Holm, the bootstrap interval")
struct GateStatisticsTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test("exact p-values for small samples without ties match SciPy")
    func exactMatchesSciPy() throws {
        let separated = try #require(GateStatistics.mannWhitney([10.1, 11.2, 9.8, 10.5, 10.9], [12.3, 11.9, 12.8, 13.1, 12.0]))
        #expect(separated.u == 0)
        #expect(separated.method == "exact")
        #expect(close(separated.p, 0.007936507936507936))
        #expect(separated.rankBiserial == -1)
        let overlapping = try #require(GateStatistics.mannWhitney([1, 2, 3, 4, 5, 6], [3.5, 4.5, 5.5, 6.5, 7.5]))
        #expect(overlapping.u == 6)
        #expect(close(overlapping.p, 0.12554112554112554))
    }

    @Test("asymptotic p-values (ten runs a side, with and without ties) match SciPy")
    func asymptoticMatchesSciPy() throws {
        let shifted = try #require(GateStatistics.mannWhitney(
            [101.2, 99.8, 100.5, 102.1, 98.7, 100.9, 101.5, 99.1, 100.2, 100.8],
            [103.4, 102.9, 104.1, 101.9, 103.8, 102.5, 104.6, 103.0, 102.2, 103.7]))
        #expect(shifted.method == "asymptotic")
        #expect(shifted.u == 1)
        #expect(close(shifted.p, 0.00024612812790522973))
        let ties = try #require(GateStatistics.mannWhitney([1, 2, 2, 3, 3, 3, 4, 5, 5, 6], [2, 3, 4, 4, 5, 6, 6, 7, 7, 8]))
        #expect(ties.u == 23.5)
        #expect(close(ties.p, 0.047069540401444114))
        let alike = try #require(GateStatistics.mannWhitney([5.0, 5.2, 4.9, 5.1, 5.3, 4.8, 5.05, 5.15, 4.95, 5.25],
                                                            [5.1, 4.85, 5.22, 5.02, 4.97, 5.31, 5.08, 4.92, 5.18, 5.12]))
        #expect(alike.u == 48.5)
        #expect(close(alike.p, 0.9397203669477441))
        #expect(GateStatistics.mannWhitney([], [1]) == nil)
        #expect(GateStatistics.mannWhitney([1, 1, 1], [1, 1, 1])?.p == 1, "all tied: no evidence")
    }

    @Test("the smallest possible p: 5 and 5 runs give 2/252, 3 and 3 give 0.1")
    func smallestP() {
        #expect(close(GateStatistics.smallestP(5, 5), 2.0 / 252))
        #expect(close(GateStatistics.smallestP(3, 3), 0.1))
    }

    @Test("Holm's adjustment matches the textbook step-down")
    func holm() {
        // Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.04*1, 0.06) = 0.06.
        let adjusted = GateStatistics.holm([0.01, 0.04, 0.03, 0.005])
        #expect(zip(adjusted, [0.03, 0.06, 0.06, 0.02]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(adjusted)")
        #expect(GateStatistics.holm([0.5, 0.9]) == [1.0, 1.0])
        #expect(GateStatistics.holm([]).isEmpty)
    }

    @Test("the bootstrap interval of the median ratio is seeded, contains the observed ratio, and narrows with agreement")
    func bootstrapInterval() throws {
        let base = [100.0, 102, 98, 101, 99, 100.5, 99.5, 101.5, 98.5, 100]
        let slower = base.map { $0 * 1.2 }
        let interval = try #require(GateStatistics.medianRatioInterval(baseline: base, current: slower))
        #expect(interval.contains(1.2))
        #expect(interval.lowerBound > 1.15 && interval.upperBound < 1.25, "\(interval)")
        #expect(GateStatistics.medianRatioInterval(baseline: base, current: slower) == interval, "same seed, same interval")
        let same = try #require(GateStatistics.medianRatioInterval(baseline: base, current: base))
        #expect(same.contains(1))
        #expect(GateStatistics.medianRatioInterval(baseline: [], current: base) == nil)
        #expect(GateStatistics.medianRatioInterval(baseline: [0, 0], current: base) == nil)
    }
}
