import Foundation
import Platform

/// A Bloom filter over byte strings: "definitely absent" or "maybe present".
///
/// Sized from the expected item count `n` and the false-positive rate `p` with the classic
/// formulas (bits m = -n ln p / (ln 2)^2, rounded up to 64-bit words; hashes k = m/n ln 2), and
/// probed with double hashing (Kirsch-Mitzenmacher) from one 64-bit MurmurHash64A of the value:
/// probe i sets bit (h1 + i h2) mod m. It never answers "absent" for an inserted value.
public struct BloomFilter: Sendable, Equatable {
    /// Bits in the filter (a multiple of 64).
    public let bitCount: UInt64
    /// Bits set per value.
    public let hashCount: Int
    /// The bits, 64 per word, bit `b` at `words[b / 64] >> (b % 64)`.
    public private(set) var words: [UInt64]

    /// An empty filter sized for `expectedItems` at `falsePositiveRate`.
    ///
    /// - Parameters:
    ///   - expectedItems: distinct values that will be inserted (0 gives a one-word filter).
    ///   - falsePositiveRate: the wanted rate of "maybe present" for absent values, in (0, 1).
    public init(expectedItems: Int, falsePositiveRate: Double) {
        let n = Double(max(1, expectedItems))
        let p = min(max(falsePositiveRate, 1e-9), 0.5)
        let ln2 = 0.693_147_180_559_945_3
        let bits = max(64.0, (-n * log(p) / (ln2 * ln2)).rounded(.up))
        let wordCount = Int((bits / 64).rounded(.up))
        self.bitCount = UInt64(wordCount) * 64
        self.hashCount = max(1, Int((Double(bitCount) / n * ln2).rounded()))
        self.words = Array(repeating: 0, count: wordCount)
    }

    /// A filter from its parts (as stored in a Puffin blob).
    ///
    /// - Throws: ``SSTFormatError`` (`corrupt`) when the parts do not fit together.
    public init(bitCount: UInt64, hashCount: Int, words: [UInt64]) throws(SSTFormatError) {
        guard bitCount > 0, bitCount % 64 == 0, UInt64(words.count) * 64 == bitCount, hashCount > 0 else {
            throw SSTFormatError(code: .corrupt, operation: "decode bloom filter",
                                 message: "a bloom filter of \(bitCount) bits cannot have \(words.count) words and \(hashCount) hashes")
        }
        self.bitCount = bitCount
        self.hashCount = hashCount
        self.words = words
    }

    /// Adds `value`.
    public mutating func insert(_ value: [UInt8]) {
        var (h1, h2) = Self.probes(value)
        for _ in 0..<hashCount {
            let bit = h1 % bitCount
            words[Int(bit >> 6)] |= 1 << (bit & 63)
            h1 &+= h2
        }
    }

    /// Whether `value` may have been inserted (`false` means it certainly was not).
    public func mightContain(_ value: [UInt8]) -> Bool {
        var (h1, h2) = Self.probes(value)
        for _ in 0..<hashCount {
            let bit = h1 % bitCount
            if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
            h1 &+= h2
        }
        return true
    }

    /// The words as little-endian bytes (the blob's payload).
    public var serialized: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        words.withUnsafeBufferPointer { bytes.appendRaw($0) }
        return bytes
    }

    /// Words from a blob's little-endian payload.
    static func words(from bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { at in
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            return word
        }
    }

    /// The two probe seeds: the value's hash and an odd step derived from it.
    private static func probes(_ value: [UInt8]) -> (UInt64, UInt64) {
        let h = murmurHash64A(value, seed: 0x5EED_B100_F117_E400)
        return (h, SplitMix64.mix(h) | 1)
    }

    /// MurmurHash64A of `bytes`.
    static func murmurHash64A(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        let m: UInt64 = 0xC6A4_A793_5BD1_E995
        let r: UInt64 = 47
        var h = seed ^ (UInt64(bytes.count) &* m)
        let blocks = bytes.count / 8
        bytes.withUnsafeBytes { raw in
            for block in 0..<blocks {
                var k = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: block * 8, as: UInt64.self))
                k &*= m
                k ^= k >> r
                k &*= m
                h ^= k
                h &*= m
            }
        }
        let tail = blocks * 8
        let remaining = bytes.count - tail
        if remaining > 0 {
            for i in stride(from: remaining - 1, through: 0, by: -1) {
                h ^= UInt64(bytes[tail + i]) << (8 * UInt64(i))
            }
            h &*= m
        }
        h ^= h >> r
        h &*= m
        h ^= h >> r
        return h
    }
}
