import Foundation
import SSTFormat
import Testing

extension SSTFormatSuite {
    /// Every file the writer produces is read back by pyarrow: schema, row count, values, statistics.
    @Suite("ParquetWriter read back by pyarrow")
    struct ParquetWriterPyarrowTests {
        /// Writes `spec`'s flush, runs the checker, and checks what every case must satisfy.
        @discardableResult
        private func writeAndCheck(_ spec: FlushDataSpec, rowGroupSize: Int) async throws -> (PyarrowReport, ParquetFileMetadata, String) {
            let dir = try makeTemporaryDirectory("pyarrow")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let generator = try FlushDataGenerator(spec)
            let path = dir + "/data.parquet"
            let (metadata, _) = try await writeParquet(generator, rowGroupSize: rowGroupSize, path: path,
                                                       metadata: ["greptime:metadata": "{\"region_id\":1}"])
            try await exportRaw(generator, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: path, rawDirectory: dir + "/raw")

            #expect(report.num_rows == spec.rows)
            #expect(report.num_row_groups == (spec.rows + rowGroupSize - 1) / rowGroupSize)
            #expect(report.row_groups.map(\.num_rows) == metadata.rowGroups.map { Int($0.numRows) })
            #expect(report.schema.map(\.name) == generator.schema.map(\.name))
            #expect(report.metadata["greptime:metadata"] == "{\"region_id\":1}")
            for (name, equal) in report.values_equal {
                #expect(equal, "column \(name): \(report.first_mismatch[name] ?? "")")
            }
            #expect(report.values_equal.count == generator.schema.count)
            for group in report.row_groups {
                for chunk in group.columns {
                    #expect(chunk.has_statistics, "\(chunk.path) has no statistics")
                    #expect(chunk.stats_match, "\(chunk.path): min \(chunk.min ?? "-") max \(chunk.max ?? "-") nulls \(chunk.null_count ?? -1) differ from pyarrow's computation")
                    #expect(chunk.compression == "UNCOMPRESSED")
                }
            }
            return (report, metadata, path)
        }

        @Test("types, encodings and definition levels are what the SST schema declares")
        func schemaAndEncodings() async throws {
            let spec = FlushDataSpec(seed: 7, rows: 5000, tags: [.init(name: "host", cardinality: 20), .init(name: "dc", cardinality: 3)],
                                     doubleFields: ["cpu"], int64Fields: ["requests"])
            let (report, _, _) = try await writeAndCheck(spec, rowGroupSize: 1024)
            #expect(report.arrow_types == [
                "host": "string", "dc": "string", "ts": "timestamp[ms]", "cpu": "double", "requests": "int64",
                "__sequence": "uint64", "__op_type": "uint8",
            ])
            let levels = Dictionary(uniqueKeysWithValues: report.schema.map { ($0.name, $0.max_definition_level) })
            #expect(levels == ["host": 0, "dc": 0, "ts": 0, "cpu": 0, "requests": 1, "__sequence": 0, "__op_type": 0])
            let chunks = Dictionary(uniqueKeysWithValues: report.row_groups[0].columns.map { ($0.path, $0) })
            #expect(chunks["host"]?.encodings.contains("RLE_DICTIONARY") == true)
            #expect(chunks["host"]?.dictionary_page_offset != nil)
            #expect(chunks["cpu"]?.encodings.contains("RLE_DICTIONARY") == false)
            #expect(chunks["cpu"]?.dictionary_page_offset == nil)
            #expect(chunks["requests"].map { $0.null_count ?? 0 > 0 } == true)
            #expect(report.schema.first { $0.name == "__sequence" }?.logical_type.contains("isSigned=false") == true)
        }

        @Test("a single row")
        func oneRow() async throws {
            try await writeAndCheck(FlushDataSpec(seed: 1, rows: 1, int64Fields: ["n"]), rowGroupSize: 100)
        }

        @Test("rows that fill the last row group exactly")
        func rowGroupBoundary() async throws {
            let (report, _, _) = try await writeAndCheck(FlushDataSpec(seed: 2, rows: 3 * 4096), rowGroupSize: 4096)
            #expect(report.row_groups.map(\.num_rows) == [4096, 4096, 4096])
        }

        @Test("one row past a row group boundary makes a one-row group")
        func rowGroupBoundaryPlusOne() async throws {
            let (report, _, _) = try await writeAndCheck(FlushDataSpec(seed: 3, rows: 2 * 4096 + 1, int64Fields: ["n"]), rowGroupSize: 4096)
            #expect(report.row_groups.map(\.num_rows) == [4096, 4096, 1])
        }

        @Test("a million rows in row groups of 102,400, several pages per chunk")
        func millionRows() async throws {
            let (report, metadata, _) = try await writeAndCheck(FlushDataSpec(seed: 4, rows: 1_000_000, int64Fields: ["n"]), rowGroupSize: 102_400)
            #expect(report.num_row_groups == 10)
            #expect(metadata.numRows == 1_000_000)
        }
    }
}
