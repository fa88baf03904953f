/// Thrift encoding of the footer structs (field ids from `parquet.thrift`).
extension ParquetFileMetadata {
    /// The footer's Thrift compact encoding.
    func encoded() -> [UInt8] {
        var e = ThriftCompactEncoder(capacity: 4096)
        e.i32(1, version)
        e.structList(2, schema) { e, element in element.encode(into: &e) }
        e.i64(3, numRows)
        e.structList(4, rowGroups) { e, group in group.encode(into: &e) }
        if !keyValueMetadata.isEmpty {
            e.structList(5, keyValueMetadata) { e, pair in
                e.string(1, pair.key)
                if let value = pair.value { e.string(2, value) }
            }
        }
        if let createdBy { e.string(6, createdBy) }
        if !typeDefinedColumnOrders.isEmpty {
            // ColumnOrder is a union; TYPE_ORDER (field 1) is an empty struct.
            e.structList(7, typeDefinedColumnOrders) { e, _ in e.structure(1) { _ in } }
        }
        e.stop()
        return e.bytes
    }
}

extension ParquetSchemaElement {
    func encode(into e: inout ThriftCompactEncoder) {
        if let physicalType { e.i32(1, physicalType.rawValue) }
        if let repetition { e.i32(3, repetition.rawValue) }
        e.string(4, name)
        if let numChildren { e.i32(5, numChildren) }
        if let convertedType { e.i32(6, convertedType) }
        if let logicalType {
            e.structure(10) { e in
                switch logicalType {
                case .string:
                    e.structure(1) { _ in }
                case .timestamp(let utc, let unit):
                    e.structure(8) { e in
                        e.bool(1, utc)
                        e.structure(2) { e in e.structure(unit.rawValue) { _ in } }
                    }
                case .integer(let bitWidth, let isSigned):
                    e.structure(10) { e in
                        e.i8(1, bitWidth)
                        e.bool(2, isSigned)
                    }
                case .other(let id):
                    e.structure(id) { _ in }
                }
            }
        }
    }
}

extension ParquetStatistics {
    func encode(into e: inout ThriftCompactEncoder) {
        if let legacyMax { e.binary(1, legacyMax) }
        if let legacyMin { e.binary(2, legacyMin) }
        if let nullCount { e.i64(3, nullCount) }
        if let distinctCount { e.i64(4, distinctCount) }
        if let maxValue { e.binary(5, maxValue) }
        if let minValue { e.binary(6, minValue) }
        if let nanCount { e.i64(9, nanCount) }
    }
}

extension ParquetRowGroup {
    func encode(into e: inout ThriftCompactEncoder) {
        e.structList(1, columns) { e, chunk in
            // ColumnChunk: file_offset (deprecated, 0) then the ColumnMetaData.
            e.i64(2, 0)
            e.structure(3) { e in chunk.encode(into: &e) }
        }
        e.i64(2, totalByteSize)
        e.i64(3, numRows)
        if let fileOffset { e.i64(5, fileOffset) }
        if let totalCompressedSize { e.i64(6, totalCompressedSize) }
        if let ordinal { e.i16(7, ordinal) }
    }
}

extension ParquetColumnChunk {
    func encode(into e: inout ThriftCompactEncoder) {
        e.i32(1, physicalType.rawValue)
        e.i32List(2, encodings.map(\.rawValue))
        e.stringList(3, path)
        e.i32(4, codec)
        e.i64(5, numValues)
        e.i64(6, totalUncompressedSize)
        e.i64(7, totalCompressedSize)
        e.i64(9, dataPageOffset)
        if let dictionaryPageOffset { e.i64(11, dictionaryPageOffset) }
        if let statistics { e.structure(12) { e in statistics.encode(into: &e) } }
    }
}

/// Page headers (`PageHeader`), written in front of every page.
///
/// Sizes are clamped to `Int32`: the writer rejects any column chunk over 2 GiB (and so any
/// page over it) before its bytes reach the sink.
enum ParquetPageHeader {
    /// A data page (v1) header: `size` bytes before compression, `storedSize` after, `values`
    /// including nulls, the values' encoding, RLE levels.
    static func dataPage(into e: inout ThriftCompactEncoder, size: Int, storedSize: Int, values: Int, encoding: ParquetEncoding) {
        e.i32(1, 0)
        e.i32(2, Int32(clamping: size))
        e.i32(3, Int32(clamping: storedSize))
        e.structure(5) { e in
            e.i32(1, Int32(clamping: values))
            e.i32(2, encoding.rawValue)
            e.i32(3, ParquetEncoding.rle.rawValue)
            e.i32(4, ParquetEncoding.rle.rawValue)
        }
        e.stop()
    }

    /// A dictionary page header: sizes as for data pages, `values` entries, PLAIN-encoded.
    static func dictionaryPage(into e: inout ThriftCompactEncoder, size: Int, storedSize: Int, values: Int) {
        e.i32(1, 2)
        e.i32(2, Int32(clamping: size))
        e.i32(3, Int32(clamping: storedSize))
        e.structure(7) { e in
            e.i32(1, Int32(clamping: values))
            e.i32(2, ParquetEncoding.plain.rawValue)
            e.bool(3, false)
        }
        e.stop()
    }
}
