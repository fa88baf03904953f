import Platform
import Testing

@Suite("SplitMix64: bit-identical to the reference (seeded data and fault decisions depend on it)")
struct SplitMix64ReferenceTests {
    /// The finaliser exactly as the three former copies wrote it.
    private func referenceMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @Test("the generator seeded with 0 gives the published first outputs")
    func publishedVectors() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("mix and finalize equal the former copies on every input tried")
    func mixEqualsFormerCopies() {
        var inputs = SplitMix64(seed: 42)
        for value in [0, 1, UInt64.max, 0x9E37_79B9_7F4A_7C15] + (0..<10_000).map({ _ in inputs.next() }) {
            #expect(SplitMix64.mix(value) == referenceMix(value))
            #expect(SplitMix64.finalize(value &+ 0x9E37_79B9_7F4A_7C15) == referenceMix(value))
        }
        var generator = SplitMix64(seed: 7)
        var state: UInt64 = 7
        for _ in 0..<1000 {
            state &+= 0x9E37_79B9_7F4A_7C15
            #expect(generator.next() == referenceMix(state &- 0x9E37_79B9_7F4A_7C15))
        }
    }
}

@Suite("Duration to milliseconds")
struct DurationMillisecondsTests {
    @Test("fractional milliseconds are exact; rounded-up milliseconds never turn a positive duration into 0")
    func conversions() {
        #expect(Duration.milliseconds(1500).inMilliseconds == 1500)
        #expect(Duration.microseconds(250).inMilliseconds == 0.25)
        #expect(Duration.nanoseconds(1).millisecondsRoundedUp == 1)
        #expect(Duration.seconds(2).millisecondsRoundedUp == 2000)
        #expect(Duration.zero.millisecondsRoundedUp == 0)
        #expect(Duration.seconds(-3).millisecondsRoundedUp == 0)
        #expect(Duration.seconds(Int64.max).millisecondsRoundedUp == .max)
    }
}
