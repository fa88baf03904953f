import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("FlushDataGenerator")
    struct FlushDataGeneratorTests {
        private let spec = FlushDataSpec(seed: 77, rows: 10_007, tags: [.init(name: "host", cardinality: 30), .init(name: "dc", cardinality: 3)],
                                         doubleFields: ["cpu"], int64Fields: ["n"])

        @Test("the same seed gives the same rows; another seed gives other rows")
        func deterministic() throws {
            let a = try FlushDataGenerator(spec).batch(0..<spec.rows)
            let b = try FlushDataGenerator(spec).batch(0..<spec.rows)
            #expect(a == b)
            var other = spec
            other.seed = 78
            #expect(try FlushDataGenerator(other).batch(0..<spec.rows) != a)
        }

        @Test("any range of rows equals the same rows of the whole flush")
        func rangesAreSlices() throws {
            let generator = try FlushDataGenerator(spec)
            let whole = generator.batch(0..<spec.rows)
            let part = generator.batch(4000..<4100)
            guard case .int64(let all) = whole.columns[2].values, case .int64(let some) = part.columns[2].values else {
                Issue.record("ts is not int64")
                return
            }
            #expect(Array(all[4000..<4100]) == some)
            guard case .strings(let allTags) = whole.columns[0].values, case .strings(let someTags) = part.columns[0].values else {
                Issue.record("host is not strings")
                return
            }
            #expect((0..<100).allSatisfy { allTags.string(at: 4000 + $0) == someTags.string(at: $0) })
        }

        @Test("rows are sorted by tags, then timestamp, and sequences are unique")
        func sortedByTagsThenTime() throws {
            let batch = try FlushDataGenerator(spec).batch(0..<spec.rows)
            guard case .strings(let host) = batch.columns[0].values, case .strings(let dc) = batch.columns[1].values,
                  case .int64(let ts) = batch.columns[2].values, case .uint64(let sequence) = batch.columns[5].values else {
                Issue.record("unexpected column kinds")
                return
            }
            for row in 1..<spec.rows {
                let previous = (host.string(at: row - 1), dc.string(at: row - 1), ts[row - 1])
                let current = (host.string(at: row), dc.string(at: row), ts[row])
                #expect(previous < current, "row \(row): \(previous) then \(current)")
                if !(previous < current) { break }
            }
            #expect(Set(sequence).count == spec.rows)
            #expect(Set((0..<spec.rows).map { host.string(at: $0) }).count == 30)
        }

        @Test("an invalid spec is rejected with the field it got wrong")
        func rejectsInvalidSpec() {
            var bad = spec
            bad.tags[0].cardinality = 0
            let error = #expect(throws: SSTFormatError.self) { try FlushDataGenerator(bad) }
            #expect(error?.message.contains("host") == true)
            var negative = spec
            negative.rows = -1
            #expect(throws: SSTFormatError.self) { try FlushDataGenerator(negative) }
        }
    }
}
