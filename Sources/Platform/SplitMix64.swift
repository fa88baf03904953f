/// SplitMix64 (Steele, Lea and Flood, 2014): the one copy of its mixer and generator.
///
/// Seeded data (the flush generator), fault decisions (the fault hash), Bloom filter probes and
/// workload plans all derive from it, and the gate's committed baseline depends on their exact
/// values: the arithmetic here must never change.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's increment, 2^64 divided by the golden ratio.
    public static let goldenGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function (the finaliser): a bijection that spreads every input bit
    /// over the whole word.
    @inlinable
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One step of the generator from `value`: ``finalize(_:)`` of `value + goldenGamma`. The
    /// mixer of hashes (`mix(seed)` is the first output of a generator seeded with `seed`).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        finalize(value &+ goldenGamma)
    }

    @usableFromInline
    var state: UInt64

    /// A generator whose first output is `mix(seed)`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.goldenGamma
        return Self.finalize(state)
    }

    /// A uniform double in `[0, 1)` from the top 53 bits of the next output.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
