import Foundation
import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("ParquetWriter encodings read back by pyarrow")
    struct ParquetWriterEncodingTests {
        /// Dictionary indices in runs of every length from 1 to 20 (so both RLE runs and bit-packed
        /// groups, padded and unpadded, occur), over a dictionary of `cardinality` strings.
        private func runs(count: Int, cardinality: Int, seed: UInt64) -> [UInt32] {
            var state = seed
            var out: [UInt32] = []
            var length = 1
            while out.count < count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let value = UInt32((state >> 33) % UInt64(cardinality))
                out.append(contentsOf: repeatElement(value, count: min(length, count - out.count)))
                length = length % 20 + 1
            }
            return out
        }

        @Test("unsorted tags with short and long runs, nulls in tags and numbers, several pages per chunk",
              arguments: [2, 300, 70_000])
        func mixedRuns(cardinality: Int) async throws {
            let dir = try makeTemporaryDirectory("runs")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let rows = 50_000
            let values = (0..<cardinality).map { Array("v\($0 * 7919 % cardinality)".utf8) }
            let schema = [
                SSTColumn(name: "tag", kind: .string),
                SSTColumn(name: "maybe_tag", kind: .string, nullable: true),
                SSTColumn(name: "ts", kind: .timestampMillis),
                SSTColumn(name: "x", kind: .double, nullable: true),
                SSTColumn(name: "seq", kind: .uint64, nullable: true),
                SSTColumn(name: "op", kind: .uint8, nullable: true),
            ]
            let validity = runs(count: rows, cardinality: 2, seed: 3).map { $0 == 1 }
            let batch = SSTRecordBatch(columns: [
                SSTColumnData(.strings(DictionaryStrings(values: values, indices: runs(count: rows, cardinality: cardinality, seed: 1)))),
                SSTColumnData(.strings(DictionaryStrings(values: values, indices: runs(count: rows, cardinality: cardinality, seed: 2))),
                              validity: validity),
                SSTColumnData(.int64((0..<rows).map { Int64($0) * 3 - 70_000 })),
                SSTColumnData(.double((0..<rows).map { sin(Double($0)) * 1e6 }), validity: validity),
                SSTColumnData(.uint64((0..<rows).map { UInt64.max - UInt64($0) }), validity: validity.map { !$0 }),
                SSTColumnData(.uint8((0..<rows).map { UInt8(truncatingIfNeeded: $0) }), validity: validity),
            ], rowCount: rows)
            let sink = FileByteSink(path: dir + "/runs.parquet")
            // Small pages, so every chunk has several and levels restart on each.
            var writer = try ParquetWriter(schema: schema, sink: sink, options: ParquetWriterOptions(rowGroupSize: 20_000, targetPageBytes: 16 * 1024))
            try await writer.write(batch)
            try await writer.finish()
            sink.close()
            try await batch.exportRawColumns(schema: schema, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: dir + "/runs.parquet", rawDirectory: dir + "/raw")
            #expect(report.num_rows == rows)
            #expect(report.row_groups.map(\.num_rows) == [20_000, 20_000, 10_000])
            #expect(report.first_mismatch == [:])
            #expect(report.values_equal == Dictionary(uniqueKeysWithValues: schema.map { ($0.name, true) }))
            for chunk in report.row_groups.flatMap(\.columns) {
                #expect(chunk.stats_match, "\(chunk.path): min \(chunk.min ?? "-") max \(chunk.max ?? "-")")
            }
            // Unsigned order: values past Int64.max are the maximum, not negative minimums.
            let seq = report.row_groups[0].columns.first { $0.path == "seq" }
            let firstPresent = UInt64(try #require(validity.firstIndex(of: false)))
            #expect(seq?.max.flatMap { UInt64($0) ?? Int64($0).map { UInt64(bitPattern: $0) } } == UInt64.max - firstPresent)
        }
    }
}
