import Foundation
import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("ParquetFooterReader")
    struct ParquetFooterReaderTests {
        /// The text pyarrow's checker prints for a statistics bound of `kind`.
        private func text(_ bytes: [UInt8]?, _ kind: SSTColumnKind) -> String? {
            guard let bytes else { return nil }
            func integer() -> UInt64 {
                var value: UInt64 = 0
                for (k, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(k)) }
                return value
            }
            switch kind {
            case .string: return String(decoding: bytes, as: UTF8.self)
            case .timestampMillis, .int64: return String(Int64(bitPattern: integer()))
            case .uint64: return String(integer())
            case .uint8: return String(Int32(truncatingIfNeeded: integer()))
            case .double: return "\(Double(bitPattern: integer()))"
            }
        }

        @Test("the footer read back equals what the writer returned and what pyarrow sees")
        func roundTripAgainstPyarrow() async throws {
            let dir = try makeTemporaryDirectory("footer")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let spec = FlushDataSpec(seed: 11, rows: 25_000, tags: [.init(name: "host", cardinality: 50), .init(name: "az", cardinality: 4)],
                                     doubleFields: ["cpu", "mem"], int64Fields: ["bytes"])
            let generator = try FlushDataGenerator(spec)
            let path = dir + "/f.parquet"
            let (written, sink) = try await writeParquet(generator, rowGroupSize: 10_000, path: path,
                                                         metadata: ["greptime:metadata": spec.regionMetadataJSON()])
            let read = try await ParquetFooterReader.read(path: path)
            #expect(read == written)

            try await exportRaw(generator, to: dir + "/raw")
            let report = try await runPyarrowCheck(parquet: path, rawDirectory: dir + "/raw")
            #expect(Int64(report.num_rows) == read.numRows)
            #expect(report.created_by == read.createdBy)
            #expect(report.metadata == Dictionary(uniqueKeysWithValues: read.keyValueMetadata.map { ($0.key, $0.value ?? "") }))
            #expect(report.schema.map(\.name) == read.leafColumns.map(\.name))
            #expect(read.leafColumns.map(\.repetition) == generator.schema.map { $0.nullable ? .optional : .required })
            #expect(read.leafColumns.first { $0.name == "ts" }?.logicalType == .timestamp(isAdjustedToUTC: false, unit: .millis))
            #expect(read.leafColumns.first { $0.name == "__op_type" }?.logicalType == .integer(bitWidth: 8, isSigned: false))
            #expect(read.typeDefinedColumnOrders == Array(repeating: true, count: generator.schema.count))
            #expect(report.row_groups.count == read.rowGroups.count)
            for (theirs, ours) in zip(report.row_groups, read.rowGroups) {
                #expect(Int64(theirs.num_rows) == ours.numRows)
                #expect(Int64(theirs.total_byte_size) == ours.totalByteSize)
                for ((theirChunk, ourChunk), column) in zip(zip(theirs.columns, ours.columns), generator.schema) {
                    #expect(theirChunk.path == ourChunk.path.joined(separator: "."))
                    #expect(Int64(theirChunk.data_page_offset) == ourChunk.dataPageOffset)
                    #expect(theirChunk.dictionary_page_offset.map(Int64.init) == ourChunk.dictionaryPageOffset)
                    #expect(Int64(theirChunk.total_compressed_size) == ourChunk.totalCompressedSize)
                    #expect(Int64(theirChunk.total_uncompressed_size) == ourChunk.totalUncompressedSize)
                    #expect(Int64(theirChunk.num_values) == ourChunk.numValues)
                    #expect(theirChunk.null_count.map(Int64.init) == ourChunk.statistics?.nullCount)
                    #expect(theirChunk.min == text(ourChunk.statistics?.minValue, column.kind), "\(column.name) min")
                    #expect(theirChunk.max == text(ourChunk.statistics?.maxValue, column.kind), "\(column.name) max")
                }
            }
            // The file ends exactly where the footer says.
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            #expect(size.map(UInt64.init) == sink.bytesWritten)
        }

        @Test("a file that does not end with PAR1 is rejected as not Parquet")
        func rejectsNonParquet() throws {
            let error = #expect(throws: SSTFormatError.self) { try ParquetFooterReader.decode(tail: Array("not a parquet file".utf8)) }
            #expect(error?.code == .notRecognized)
        }

        @Test("a footer length past the start of the bytes is reported as corrupt")
        func rejectsTruncatedFooter() throws {
            let tail: [UInt8] = [1, 2, 3, 0xFF, 0, 0, 0] + Array("PAR1".utf8)
            let error = #expect(throws: SSTFormatError.self) { try ParquetFooterReader.decode(tail: tail) }
            #expect(error?.code == .corrupt)
        }

        @Test("garbage in place of the Thrift footer is reported as corrupt, not a crash")
        func rejectsGarbageFooter() throws {
            var tail: [UInt8] = [0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
            tail.append(contentsOf: [UInt8(tail.count), 0, 0, 0])
            tail.append(contentsOf: Array("PAR1".utf8))
            let error = #expect(throws: SSTFormatError.self) { try ParquetFooterReader.decode(tail: tail) }
            #expect(error?.code == .corrupt)
        }
    }
}
