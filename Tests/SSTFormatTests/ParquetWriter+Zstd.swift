import Foundation
import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("ParquetWriter with zstd pages")
    struct ParquetWriterZstdTests {
        @Test("zstd-compressed pages are read back by pyarrow with the same values and statistics", arguments: [1, 9])
        func zstdRoundTrip(level: Int32) async throws {
            let dir = try makeTemporaryDirectory("zstd")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let spec = FlushDataSpec(seed: 21, rows: 60_000, tags: [.init(name: "host", cardinality: 100)], int64Fields: ["n"])
            let generator = try FlushDataGenerator(spec)
            let path = dir + "/z.parquet"
            let (written, sink) = try await writeParquet(generator, rowGroupSize: 25_000, path: path, compression: .zstd(level: level))
            try await exportRaw(generator, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: path, rawDirectory: dir + "/raw")
            #expect(report.num_rows == spec.rows)
            #expect(report.first_mismatch == [:])
            #expect(report.values_equal.count == generator.schema.count && report.values_equal.values.allSatisfy { $0 })
            for chunk in report.row_groups.flatMap(\.columns) {
                #expect(chunk.compression == "ZSTD")
                #expect(chunk.stats_match, "\(chunk.path)")
            }
            // Sequences and timestamps compress; the stored file is smaller than the raw sizes say.
            let stored = written.rowGroups.flatMap(\.columns).reduce(0) { $0 + $1.totalCompressedSize }
            let raw = written.rowGroups.flatMap(\.columns).reduce(0) { $0 + $1.totalUncompressedSize }
            #expect(stored < raw)
            #expect(UInt64(stored) < sink.bytesWritten)
            let read = try await ParquetFooterReader.read(path: path)
            #expect(read == written)
        }

        @Test("a zstd level libzstd does not support is rejected up front")
        func rejectsBadLevel() {
            let error = #expect(throws: SSTFormatError.self) {
                try ParquetWriter(schema: [SSTColumn(name: "x", kind: .double)], sink: RecordingSink(),
                                  options: ParquetWriterOptions(compression: .zstd(level: 1000)))
            }
            #expect(error?.code == .invalidInput)
        }
    }
}
