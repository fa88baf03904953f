/// The value kinds an SST column can hold, and how each maps onto Parquet.
public enum SSTColumnKind: String, Sendable, Codable, CaseIterable {
    /// UTF-8 strings (tags), dictionary-encoded: `BYTE_ARRAY` / `STRING`.
    case string
    /// Milliseconds since the epoch: `INT64` / `TIMESTAMP(MILLIS)`.
    case timestampMillis
    /// Signed 64-bit integers: `INT64`.
    case int64
    /// Unsigned 64-bit integers (`__sequence`): `INT64` / `INTEGER(64, unsigned)`.
    case uint64
    /// Unsigned 8-bit integers (`__op_type`): `INT32` / `INTEGER(8, unsigned)`.
    case uint8
    /// IEEE 754 doubles: `DOUBLE`.
    case double

    /// The Parquet physical type the kind is stored as.
    public var physicalType: ParquetPhysicalType {
        switch self {
        case .string: .byteArray
        case .timestampMillis, .int64, .uint64: .int64
        case .uint8: .int32
        case .double: .double
        }
    }
}

/// One column of an SST's schema.
public struct SSTColumn: Sendable, Codable, Equatable {
    /// The column name.
    public var name: String
    /// What it holds.
    public var kind: SSTColumnKind
    /// Whether it may hold nulls (only nullable columns get definition levels).
    public var nullable: Bool

    public init(name: String, kind: SSTColumnKind, nullable: Bool = false) {
        self.name = name
        self.kind = kind
        self.nullable = nullable
    }

    /// The column's Parquet schema element.
    var schemaElement: ParquetSchemaElement {
        var element = ParquetSchemaElement(name: name, physicalType: kind.physicalType,
                                           repetition: nullable ? .optional : .required)
        switch kind {
        case .string:
            element.convertedType = 0  // UTF8
            element.logicalType = .string
        case .timestampMillis:
            element.convertedType = 9  // TIMESTAMP_MILLIS
            element.logicalType = .timestamp(isAdjustedToUTC: false, unit: .millis)
        case .uint64:
            element.convertedType = 14  // UINT_64
            element.logicalType = .integer(bitWidth: 64, isSigned: false)
        case .uint8:
            element.convertedType = 11  // UINT_8
            element.logicalType = .integer(bitWidth: 8, isSigned: false)
        case .int64, .double:
            break
        }
        return element
    }
}

/// Strings as a dictionary and one index per row: how tags arrive from a flush.
///
/// `values` need not be sorted or all used; the writer builds each row group's own dictionary
/// from the entries its rows reference.
public struct DictionaryStrings: Sendable, Equatable {
    /// The distinct strings, as UTF-8 bytes.
    public var values: [[UInt8]]
    /// Per row, the index of its string in ``values``.
    public var indices: [UInt32]

    public init(values: [[UInt8]], indices: [UInt32]) {
        self.values = values
        self.indices = indices
    }

    /// Builds the dictionary of `strings` (first appearance order).
    public init(_ strings: [String]) {
        var positions: [String: UInt32] = [:]
        var values: [[UInt8]] = []
        var indices: [UInt32] = []
        indices.reserveCapacity(strings.count)
        for string in strings {
            if let position = positions[string] {
                indices.append(position)
            } else {
                let position = UInt32(values.count)
                positions[string] = position
                values.append(Array(string.utf8))
                indices.append(position)
            }
        }
        self.init(values: values, indices: indices)
    }

    /// The string of row `row`.
    public func string(at row: Int) -> String {
        String(decoding: values[Int(indices[row])], as: UTF8.self)
    }
}

/// The values of one column for a batch of rows.
public enum SSTColumnValues: Sendable, Equatable {
    case strings(DictionaryStrings)
    /// Timestamps and signed integers.
    case int64([Int64])
    case uint64([UInt64])
    case uint8([UInt8])
    case double([Double])

    /// Rows held.
    public var count: Int {
        switch self {
        case .strings(let s): s.indices.count
        case .int64(let v): v.count
        case .uint64(let v): v.count
        case .uint8(let v): v.count
        case .double(let v): v.count
        }
    }

    /// Whether the values fit a column of `kind`.
    func fits(_ kind: SSTColumnKind) -> Bool {
        switch (self, kind) {
        case (.strings, .string), (.int64, .timestampMillis), (.int64, .int64), (.uint64, .uint64),
             (.uint8, .uint8), (.double, .double): true
        default: false
        }
    }
}

/// One column's data: values for every row and, for nullable columns, which rows hold a value.
public struct SSTColumnData: Sendable, Equatable {
    /// A value for every row (the value of a null row is ignored).
    public var values: SSTColumnValues
    /// Per row, whether it holds a value; `nil` means no nulls.
    public var validity: [Bool]?

    public init(_ values: SSTColumnValues, validity: [Bool]? = nil) {
        self.values = values
        self.validity = validity
    }
}

/// Rows of an SST in columnar form, in the order of the schema's columns.
public struct SSTRecordBatch: Sendable, Equatable {
    /// One entry per schema column.
    public var columns: [SSTColumnData]
    /// Rows in the batch.
    public var rowCount: Int

    public init(columns: [SSTColumnData], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }
}
