import Platform

/// The hash that fault decisions are drawn from: SplitMix64 mixing over the decision's inputs.
///
/// A decision is a pure function of (seed, rule, operation, key, range start, attempt, purpose),
/// never of a shared random stream, so the order in which tasks reach the store cannot change
/// which operations are hit. The key is folded with 64-bit FNV-1a, then every input goes
/// through SplitMix64's finalizer, which spreads each input bit over the whole word.
enum FaultHash {
    /// SplitMix64's output function (Steele, Lea, Flood 2014), Platform's one copy.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        SplitMix64.mix(value)
    }

    /// `state` with `value` folded in.
    @inline(__always)
    static func combine(_ state: UInt64, _ value: UInt64) -> UInt64 {
        mix(state ^ mix(value))
    }

    /// A 64-bit digest of `key`'s UTF-8 bytes.
    static func key(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// A number in `[0, 1)` from the top 53 bits of `hash`.
    @inline(__always)
    static func unit(_ hash: UInt64) -> Double {
        Double(hash >> 11) * 0x1.0p-53
    }
}
