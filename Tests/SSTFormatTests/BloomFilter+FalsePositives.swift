import Platform
import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("BloomFilter")
    struct BloomFilterTests {
        private static func key(_ prefix: String, _ i: Int) -> [UInt8] {
            Array("\(prefix)-\(i)".utf8)
        }

        @Test("no inserted value is ever reported absent", arguments: [0.1, 0.01, 0.001])
        func noFalseNegatives(rate: Double) async throws {
            // Hundreds of thousands of hashes: run them on the blocking pool, off the cooperative threads.
            let missing = try await BlockingIO.run {
                var filter = BloomFilter(expectedItems: 20_000, falsePositiveRate: rate)
                for i in 0..<20_000 { filter.insert(Self.key("host", i)) }
                return (0..<20_000).filter { !filter.mightContain(Self.key("host", $0)) }
            }
            #expect(missing.isEmpty)
        }

        @Test("the measured false-positive rate is within 2x of the configured one", arguments: [0.1, 0.01, 0.001])
        func falsePositiveRate(rate: Double) async throws {
            let items = 10_000
            let probes = 400_000
            let hits = try await BlockingIO.run {
                var filter = BloomFilter(expectedItems: items, falsePositiveRate: rate)
                for i in 0..<items { filter.insert(Self.key("member", i)) }
                return (0..<probes).reduce(0) { $0 + (filter.mightContain(Self.key("stranger", $1)) ? 1 : 0) }
            }
            let measured = Double(hits) / Double(probes)
            #expect(measured <= 2 * rate, "measured \(measured) for configured \(rate)")
            #expect(measured >= rate / 2, "measured \(measured) for configured \(rate): the filter is oversized")
        }

        @Test("a filter rebuilt from its words answers the same")
        func rebuildFromWords() throws {
            var filter = BloomFilter(expectedItems: 100, falsePositiveRate: 0.01)
            for i in 0..<100 { filter.insert(Self.key("k", i)) }
            let copy = try BloomFilter(bitCount: filter.bitCount, hashCount: filter.hashCount, words: filter.words)
            #expect(copy == filter)
            #expect((0..<1000).allSatisfy { copy.mightContain(Self.key("q", $0)) == filter.mightContain(Self.key("q", $0)) })
        }

        @Test("parts that do not fit together are rejected")
        func rejectsInconsistentParts() {
            #expect(throws: SSTFormatError.self) { try BloomFilter(bitCount: 128, hashCount: 3, words: [0]) }
            #expect(throws: SSTFormatError.self) { try BloomFilter(bitCount: 64, hashCount: 0, words: [0]) }
        }
    }
}
