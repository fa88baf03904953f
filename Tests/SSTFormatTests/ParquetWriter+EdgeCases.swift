import Foundation
import SSTFormat
import Synchronization
import Testing

extension SSTFormatSuite {
    @Suite("ParquetWriter edge cases")
    struct ParquetWriterEdgeCaseTests {
        @Test("a 64 KiB tag value is written whole, with statistics, and read back by pyarrow")
        func largeString() async throws {
            let dir = try makeTemporaryDirectory("bigstring")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let big = Array(repeating: UInt8(ascii: "z"), count: 64 * 1024)
            let schema = [SSTColumn(name: "tag", kind: .string), SSTColumn(name: "ts", kind: .timestampMillis),
                          SSTColumn(name: "v", kind: .double, nullable: true)]
            let batch = SSTRecordBatch(columns: [
                SSTColumnData(.strings(DictionaryStrings(values: [Array("a".utf8), big], indices: [0, 1, 1, 0, 1]))),
                SSTColumnData(.int64([1, 2, 3, 4, 5])),
                SSTColumnData(.double([0.5, -0.0, .nan, 2, 0]), validity: [true, true, true, false, true]),
            ], rowCount: 5)
            let sink = FileByteSink(path: dir + "/big.parquet")
            var writer = try ParquetWriter(schema: schema, sink: sink, options: ParquetWriterOptions(rowGroupSize: 3))
            try await writer.write(batch)
            let metadata = try await writer.finish()
            sink.close()
            #expect(metadata.rowGroups.count == 2)
            let tagStats = metadata.rowGroups[0].columns[0].statistics
            #expect(tagStats?.maxValue == big)
            #expect(tagStats?.minValue == Array("a".utf8))
            // NaN is counted and kept out of the bounds; a zero maximum is +0.0 and a zero minimum -0.0.
            let first = metadata.rowGroups[0].columns[2].statistics
            #expect(first?.nanCount == 1)
            #expect(first?.minValue.map { Double(bitPattern: UInt64(littleEndian: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })) }?.sign == .minus)
            let second = metadata.rowGroups[1].columns[2].statistics
            #expect(second?.nullCount == 1)
            #expect(second?.maxValue == Array(repeating: 0, count: 8))

            try await batch.exportRawColumns(schema: schema, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: dir + "/big.parquet", rawDirectory: dir + "/raw")
            #expect(report.values_equal == ["tag": true, "ts": true, "v": true])
            #expect(report.row_groups[0].columns[0].max?.utf8.count == 64 * 1024)
            let matches = report.row_groups.flatMap(\.columns).map { "\($0.path): \($0.stats_match)" }
            #expect(matches == ["tag: true", "ts: true", "v: true", "tag: true", "ts: true", "v: true"])
        }

        @Test("a writer finished without rows makes a valid empty file")
        func emptyFile() async throws {
            let dir = try makeTemporaryDirectory("empty")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let generator = try FlushDataGenerator(FlushDataSpec(seed: 1, rows: 0, int64Fields: ["n"]))
            let (metadata, sink) = try await writeParquet(generator, rowGroupSize: 100, path: dir + "/empty.parquet")
            #expect(metadata.rowGroups.isEmpty)
            #expect(sink.bytesWritten > 8)
            try await exportRaw(generator, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: dir + "/empty.parquet", rawDirectory: dir + "/raw")
            #expect(report.num_rows == 0)
            #expect(report.schema.map(\.name) == generator.schema.map(\.name))
            #expect(report.values_equal.count == generator.schema.count && report.values_equal.values.allSatisfy { $0 })
        }

        @Test("a column whose every value is null has a null count and no bounds")
        func allNull() async throws {
            let dir = try makeTemporaryDirectory("allnull")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let schema = [SSTColumn(name: "n", kind: .int64, nullable: true)]
            let batch = SSTRecordBatch(columns: [SSTColumnData(.int64([0, 0, 0]), validity: [false, false, false])], rowCount: 3)
            let sink = FileByteSink(path: dir + "/n.parquet")
            var writer = try ParquetWriter(schema: schema, sink: sink)
            try await writer.write(batch)
            let metadata = try await writer.finish()
            sink.close()
            let stats = metadata.rowGroups[0].columns[0].statistics
            #expect(stats?.nullCount == 3)
            #expect(stats?.minValue == nil)
            try await batch.exportRawColumns(schema: schema, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: dir + "/n.parquet", rawDirectory: dir + "/raw")
            #expect(report.values_equal == ["n": true])
            #expect(report.row_groups[0].columns[0].stats_match)
        }

        @Test("a batch that does not match the schema is rejected before anything is written")
        func rejectsMismatchedBatch() async throws {
            let sink = RecordingSink()
            var writer = try ParquetWriter(schema: [SSTColumn(name: "x", kind: .double)], sink: sink)
            await #expect(throws: SSTFormatError.self) {
                try await writer.write(SSTRecordBatch(columns: [SSTColumnData(.int64([1]))], rowCount: 1))
            }
            await #expect(throws: SSTFormatError.self) {
                try await writer.write(SSTRecordBatch(columns: [SSTColumnData(.double([1, 2]))], rowCount: 3))
            }
            await #expect(throws: SSTFormatError.self) {
                try await writer.write(SSTRecordBatch(columns: [SSTColumnData(.double([1]), validity: [false])], rowCount: 1))
            }
            #expect(sink.bytesWritten == 0)
        }

        @Test("a sink failure reaches the caller unchanged")
        func sinkFailurePropagates() async throws {
            let sink = RecordingSink(failAfter: 1)
            var writer = try ParquetWriter(schema: [SSTColumn(name: "x", kind: .double)], sink: sink)
            await #expect(throws: RecordingSink.Failure.self) {
                try await writer.write(SSTRecordBatch(columns: [SSTColumnData(.double([1]))], rowCount: 1))
            }
        }

        @Test("row groups reach the sink one by one, not at the end")
        func streamsRowGroups() async throws {
            let sink = RecordingSink()
            let generator = try FlushDataGenerator(FlushDataSpec(seed: 5, rows: 40_000))
            var writer = try ParquetWriter(schema: generator.schema, sink: sink, options: ParquetWriterOptions(rowGroupSize: 10_000))
            try await writer.write(generator.batch(0..<10_000))
            let afterFirst = sink.bytesWritten
            #expect(afterFirst > 10_000 * 8 * 3)
            try await writer.write(generator.batch(10_000..<20_000))
            #expect(sink.bytesWritten > afterFirst)
            // No single write holds more than one row group (5 eight-byte columns and a tag).
            #expect(sink.largestWrite < 10_000 * (5 * 8 + 1) + 64 * 1024)
        }
    }
}

/// A sink that counts bytes and can fail after some writes.
final class RecordingSink: ByteSink {
    struct Failure: Error {}
    private let state = Mutex<(bytes: UInt64, writes: Int, largest: Int)>((0, 0, 0))
    let failAfter: Int?

    init(failAfter: Int? = nil) {
        self.failAfter = failAfter
    }

    var bytesWritten: UInt64 { state.withLock { $0.bytes } }
    var largestWrite: Int { state.withLock { $0.largest } }

    func write(_ bytes: [UInt8]) async throws {
        try state.withLock { state in
            if let failAfter, state.writes >= failAfter { throw Failure() }
            state.writes += 1
            state.bytes += UInt64(bytes.count)
            state.largest = max(state.largest, bytes.count)
        }
    }
}
