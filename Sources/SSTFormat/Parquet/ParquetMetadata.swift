/// Parquet's physical types (the `Type` enum of the format).
public enum ParquetPhysicalType: Int32, Sendable, Codable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7
}

/// Parquet's encodings (the `Encoding` enum of the format).
public enum ParquetEncoding: Int32, Sendable, Codable {
    case plain = 0
    case plainDictionary = 2
    case rle = 3
    case bitPacked = 4
    case deltaBinaryPacked = 5
    case deltaLengthByteArray = 6
    case deltaByteArray = 7
    case rleDictionary = 8
    case byteStreamSplit = 9
}

/// Repetition of a schema field.
public enum ParquetRepetition: Int32, Sendable, Codable {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// Time units of the timestamp logical type.
public enum ParquetTimeUnit: Int16, Sendable, Codable {
    case millis = 1
    case micros = 2
    case nanos = 3
}

/// The logical types flushbench writes and reads back; others decode as ``other(_:)``.
public enum ParquetLogicalType: Sendable, Equatable {
    /// UTF-8 text on `BYTE_ARRAY`.
    case string
    /// A point in time on `INT64`.
    case timestamp(isAdjustedToUTC: Bool, unit: ParquetTimeUnit)
    /// An integer of `bitWidth` bits on `INT32`/`INT64`.
    case integer(bitWidth: Int8, isSigned: Bool)
    /// Another logical type, by its field id in the `LogicalType` union.
    case other(Int16)
}

/// One node of the flattened schema tree (`SchemaElement`).
public struct ParquetSchemaElement: Sendable, Equatable {
    /// The field name (the root's name is the schema's).
    public var name: String
    /// The physical type; `nil` for the root and other groups.
    public var physicalType: ParquetPhysicalType?
    /// Repetition; `nil` for the root.
    public var repetition: ParquetRepetition?
    /// Children of a group; `nil` for leaves.
    public var numChildren: Int32?
    /// The deprecated converted type (`ConvertedType` ordinal), kept for old readers.
    public var convertedType: Int32?
    /// The logical type annotation.
    public var logicalType: ParquetLogicalType?

    public init(name: String, physicalType: ParquetPhysicalType? = nil, repetition: ParquetRepetition? = nil,
                numChildren: Int32? = nil, convertedType: Int32? = nil, logicalType: ParquetLogicalType? = nil) {
        self.name = name
        self.physicalType = physicalType
        self.repetition = repetition
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.logicalType = logicalType
    }
}

/// Statistics of a column chunk: bounds in the column's sort order, null and NaN counts.
///
/// Bounds are PLAIN-encoded values (strings without the length prefix): decode them with the
/// column's physical type.
public struct ParquetStatistics: Sendable, Equatable {
    /// Deprecated signed-order maximum (written only for signed-order columns).
    public var legacyMax: [UInt8]?
    /// Deprecated signed-order minimum (written only for signed-order columns).
    public var legacyMin: [UInt8]?
    /// Nulls in the chunk.
    public var nullCount: Int64?
    /// Distinct values, when known.
    public var distinctCount: Int64?
    /// Upper bound in the column order.
    public var maxValue: [UInt8]?
    /// Lower bound in the column order.
    public var minValue: [UInt8]?
    /// NaNs in a floating-point chunk.
    public var nanCount: Int64?

    public init(legacyMax: [UInt8]? = nil, legacyMin: [UInt8]? = nil, nullCount: Int64? = nil, distinctCount: Int64? = nil,
                maxValue: [UInt8]? = nil, minValue: [UInt8]? = nil, nanCount: Int64? = nil) {
        self.legacyMax = legacyMax
        self.legacyMin = legacyMin
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.maxValue = maxValue
        self.minValue = minValue
        self.nanCount = nanCount
    }
}

/// Where one column's pages of a row group lie and what they hold (`ColumnMetaData`).
public struct ParquetColumnChunk: Sendable, Equatable {
    /// The column's physical type.
    public var physicalType: ParquetPhysicalType
    /// Every encoding used by the chunk's pages (levels included).
    public var encodings: [ParquetEncoding]
    /// The column's path in the schema.
    public var path: [String]
    /// Compression codec (`0` = uncompressed).
    public var codec: Int32
    /// Values including nulls.
    public var numValues: Int64
    /// Bytes of the chunk's pages and headers before compression.
    public var totalUncompressedSize: Int64
    /// Bytes of the chunk's pages and headers as stored.
    public var totalCompressedSize: Int64
    /// File offset of the first data page.
    public var dataPageOffset: Int64
    /// File offset of the dictionary page, if any.
    public var dictionaryPageOffset: Int64?
    /// Bounds and counts of the chunk's values.
    public var statistics: ParquetStatistics?

    public init(physicalType: ParquetPhysicalType, encodings: [ParquetEncoding], path: [String], codec: Int32 = 0,
                numValues: Int64, totalUncompressedSize: Int64, totalCompressedSize: Int64, dataPageOffset: Int64,
                dictionaryPageOffset: Int64? = nil, statistics: ParquetStatistics? = nil) {
        self.physicalType = physicalType
        self.encodings = encodings
        self.path = path
        self.codec = codec
        self.numValues = numValues
        self.totalUncompressedSize = totalUncompressedSize
        self.totalCompressedSize = totalCompressedSize
        self.dataPageOffset = dataPageOffset
        self.dictionaryPageOffset = dictionaryPageOffset
        self.statistics = statistics
    }
}

/// One row group: its column chunks and sizes (`RowGroup`).
public struct ParquetRowGroup: Sendable, Equatable {
    /// One chunk per leaf column, in schema order.
    public var columns: [ParquetColumnChunk]
    /// Uncompressed bytes of all the row group's column data.
    public var totalByteSize: Int64
    /// Rows in the row group.
    public var numRows: Int64
    /// File offset of the row group's first page.
    public var fileOffset: Int64?
    /// Stored bytes of all the row group's column data.
    public var totalCompressedSize: Int64?
    /// Position of the row group in the file.
    public var ordinal: Int16?

    public init(columns: [ParquetColumnChunk], totalByteSize: Int64, numRows: Int64, fileOffset: Int64? = nil,
                totalCompressedSize: Int64? = nil, ordinal: Int16? = nil) {
        self.columns = columns
        self.totalByteSize = totalByteSize
        self.numRows = numRows
        self.fileOffset = fileOffset
        self.totalCompressedSize = totalCompressedSize
        self.ordinal = ordinal
    }
}

/// A Parquet file's footer (`FileMetaData`): schema, row groups, statistics, key-value metadata.
///
/// The writer produces it and the footer reader returns it, so the metadata of a cached SST can
/// be served without reading its pages or touching the remote store.
public struct ParquetFileMetadata: Sendable, Equatable {
    /// Format version (1).
    public var version: Int32
    /// The flattened schema tree, root first.
    public var schema: [ParquetSchemaElement]
    /// Rows in the file.
    public var numRows: Int64
    /// The row groups, in file order.
    public var rowGroups: [ParquetRowGroup]
    /// Key-value metadata in file order (the region metadata under `greptime:metadata`).
    public var keyValueMetadata: [(key: String, value: String?)]
    /// The writing application (`flushbench version X`).
    public var createdBy: String?
    /// Sort order of each leaf column's statistics; `true` for the type-defined order.
    public var typeDefinedColumnOrders: [Bool]

    public init(version: Int32 = 1, schema: [ParquetSchemaElement], numRows: Int64, rowGroups: [ParquetRowGroup],
                keyValueMetadata: [(key: String, value: String?)] = [], createdBy: String? = nil,
                typeDefinedColumnOrders: [Bool] = []) {
        self.version = version
        self.schema = schema
        self.numRows = numRows
        self.rowGroups = rowGroups
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.typeDefinedColumnOrders = typeDefinedColumnOrders
    }

    /// The value of metadata `key`, if present.
    public func metadataValue(forKey key: String) -> String? {
        keyValueMetadata.first { $0.key == key }?.value ?? nil
    }

    /// The leaf columns' schema elements, in column order.
    public var leafColumns: [ParquetSchemaElement] {
        schema.filter { $0.physicalType != nil }
    }

    /// Field-by-field equality (key-value pairs compared in order).
    public static func == (lhs: ParquetFileMetadata, rhs: ParquetFileMetadata) -> Bool {
        lhs.version == rhs.version && lhs.schema == rhs.schema && lhs.numRows == rhs.numRows
            && lhs.rowGroups == rhs.rowGroups && lhs.createdBy == rhs.createdBy
            && lhs.typeDefinedColumnOrders == rhs.typeDefinedColumnOrders
            && lhs.keyValueMetadata.count == rhs.keyValueMetadata.count
            && zip(lhs.keyValueMetadata, rhs.keyValueMetadata).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
