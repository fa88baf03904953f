/// Settings of a ``ParquetWriter``.
public struct ParquetWriterOptions: Sendable, Equatable {
    /// Most rows per row group; a batch is cut into row groups of this many rows.
    public var rowGroupSize: Int
    /// Approximate bytes of values per data page.
    public var targetPageBytes: Int
    /// Key-value metadata stored in the footer (the region metadata under `greptime:metadata`).
    public var keyValueMetadata: [String: String]
    /// The footer's `created_by`.
    public var createdBy: String
    /// Page compression (uncompressed by default).
    public var compression: ParquetCompression

    public init(rowGroupSize: Int = 102_400, targetPageBytes: Int = 1 << 20, keyValueMetadata: [String: String] = [:],
                createdBy: String = "flushbench version 0.1.0 (build sst)", compression: ParquetCompression = .uncompressed) {
        self.rowGroupSize = rowGroupSize
        self.targetPageBytes = targetPageBytes
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.compression = compression
    }
}

/// Writes a Parquet file into a ``ByteSink`` one row group at a time.
///
/// Each row group is encoded into one reusable buffer and handed to the sink as soon as it is
/// done, so memory is bounded by one row group (its input batch and its encoded bytes) however
/// large the file grows. Tags are dictionary-encoded (RLE_DICTIONARY, one dictionary per row
/// group), numbers PLAIN, nullable columns carry definition levels, every chunk has statistics,
/// and the footer is Thrift compact, written by ``finish()``. Pages are uncompressed unless
/// ``ParquetWriterOptions/compression`` asks for Zstandard.
///
/// A writer is used by one task: call ``write(_:)`` for each batch in row order, then ``finish()``.
public struct ParquetWriter {
    /// The columns, in order.
    public let schema: [SSTColumn]
    /// The settings.
    public let options: ParquetWriterOptions
    private let sink: any ByteSink
    private var encoder: ColumnChunkEncoder
    private var rowGroups: [ParquetRowGroup] = []
    private var offset: Int64 = 0
    private var rows: Int64 = 0
    private var finished = false

    static let magic: [UInt8] = Array("PAR1".utf8)

    /// A writer of `schema` into `sink`.
    ///
    /// - Throws: ``SSTFormatError`` (`invalid_input`) when the schema is empty or a setting is out
    ///   of range (row-group size, zstd level).
    public init(schema: [SSTColumn], sink: any ByteSink, options: ParquetWriterOptions = ParquetWriterOptions()) throws(SSTFormatError) {
        guard !schema.isEmpty else {
            throw SSTFormatError(code: .invalidInput, operation: "create parquet writer", message: "the schema has no columns")
        }
        guard options.rowGroupSize > 0 else {
            throw SSTFormatError(code: .invalidInput, operation: "create parquet writer",
                                 message: "rowGroupSize must be positive, not \(options.rowGroupSize)")
        }
        self.schema = schema
        self.options = options
        self.sink = sink
        self.encoder = try ColumnChunkEncoder(targetPageBytes: options.targetPageBytes, compression: options.compression)
    }

    /// Rows written so far.
    public var rowCount: Int64 { rows }

    /// Row groups written so far.
    public var rowGroupCount: Int { rowGroups.count }

    /// Writes `batch` as one or more row groups of at most ``ParquetWriterOptions/rowGroupSize`` rows.
    ///
    /// A batch shorter than the row-group size becomes a short row group: hand the writer batches
    /// of the row-group size (the flush generator does) for full ones.
    ///
    /// - Throws: ``SSTFormatError`` (`invalid_input`) when the batch does not match the schema
    ///   (column count, kinds, row counts, nulls in a required column); any error of the sink,
    ///   unchanged.
    public mutating func write(_ batch: SSTRecordBatch) async throws {
        try validate(batch)
        var start = 0
        while start < batch.rowCount {
            let end = min(batch.rowCount, start + options.rowGroupSize)
            try await writeRowGroup(batch, rows: start..<end)
            start = end
        }
    }

    /// Writes the footer and returns the file's metadata.
    ///
    /// - Throws: any error of the sink, unchanged; ``SSTFormatError`` (`invalid_input`) when called twice.
    @discardableResult
    public mutating func finish() async throws -> ParquetFileMetadata {
        guard !finished else {
            throw SSTFormatError(code: .invalidInput, operation: "finish parquet file", message: "the Parquet file was already finished")
        }
        finished = true
        if offset == 0 { try await emit(Self.magic) }
        let metadata = ParquetFileMetadata(
            version: 1,
            schema: [ParquetSchemaElement(name: "schema", numChildren: Int32(schema.count))] + schema.map(\.schemaElement),
            numRows: rows,
            rowGroups: rowGroups,
            keyValueMetadata: options.keyValueMetadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            createdBy: options.createdBy,
            typeDefinedColumnOrders: Array(repeating: true, count: schema.count))
        var footer = metadata.encoded()
        guard footer.count <= Int(UInt32.max) else {
            throw SSTFormatError(code: .limitExceeded, operation: "finish parquet file",
                                 message: "the footer is \(footer.count) bytes, over the format's 4 GiB limit")
        }
        footer.appendUInt32(UInt32(footer.count))
        footer.append(contentsOf: Self.magic)
        try await emit(footer)
        return metadata
    }

    // MARK: Internals

    private mutating func writeRowGroup(_ batch: SSTRecordBatch, rows range: Range<Int>) async throws {
        if offset == 0 { try await emit(Self.magic) }
        let groupStart = offset
        var columns: [ParquetColumnChunk] = []
        columns.reserveCapacity(schema.count)
        // Plain values take their width; a dictionary-encoded tag takes a few bytes per run.
        let expected = schema.reduce(4096) { $0 + range.count * ($1.kind == .string ? 1 : 8) }
        encoder.beginRowGroup(expectedBytes: expected)
        for (index, column) in schema.enumerated() {
            let chunk = try encoder.encode(column: column, data: batch.columns[index], rows: range, fileOffset: groupStart)
            guard chunk.totalCompressedSize <= Int64(Int32.max) else {
                throw SSTFormatError(code: .limitExceeded, operation: "write parquet row group",
                                     message: "column '\(column.name)' has a chunk of \(chunk.totalCompressedSize) bytes; use smaller row groups")
            }
            columns.append(chunk)
        }
        try await emit(encoder.rowGroup)
        let size = offset - groupStart
        rowGroups.append(ParquetRowGroup(
            columns: columns, totalByteSize: size, numRows: Int64(range.count), fileOffset: groupStart,
            totalCompressedSize: size, ordinal: Int16(exactly: rowGroups.count)))
        rows += Int64(range.count)
    }

    private mutating func emit(_ bytes: [UInt8]) async throws {
        try await sink.write(bytes)
        offset += Int64(bytes.count)
    }

    private func validate(_ batch: SSTRecordBatch) throws(SSTFormatError) {
        func invalid(_ message: String) -> SSTFormatError {
            SSTFormatError(code: .invalidInput, operation: "write parquet batch", message: message)
        }
        if finished { throw invalid("the Parquet file was already finished") }
        guard batch.columns.count == schema.count else {
            throw invalid("the batch has \(batch.columns.count) columns, the schema \(schema.count)")
        }
        for (column, data) in zip(schema, batch.columns) {
            guard data.values.fits(column.kind) else { throw invalid("column '\(column.name)' (\(column.kind)) got values of another kind") }
            guard data.values.count == batch.rowCount else {
                throw invalid("column '\(column.name)' has \(data.values.count) values for \(batch.rowCount) rows")
            }
            if let validity = data.validity {
                guard validity.count == batch.rowCount else {
                    throw invalid("column '\(column.name)' has \(validity.count) validity flags for \(batch.rowCount) rows")
                }
                guard column.nullable || !validity.contains(false) else {
                    throw invalid("column '\(column.name)' is not nullable but has nulls")
                }
            }
            if case .strings(let strings) = data.values {
                let limit = UInt32(strings.values.count)
                guard !strings.indices.contains(where: { $0 >= limit }) else {
                    throw invalid("column '\(column.name)' has a dictionary index past its \(limit) values")
                }
            }
        }
    }
}
