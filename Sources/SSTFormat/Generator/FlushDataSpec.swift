/// What a flush holds: its tag columns, fields, size and seed.
///
/// The same spec (seed included) always produces the same rows, so a scenario replays the same
/// flushes and a test can regenerate what a file must contain.
public struct FlushDataSpec: Sendable, Codable, Equatable {
    /// A tag (primary-key) column of strings.
    public struct Tag: Sendable, Codable, Equatable {
        /// The column name.
        public var name: String
        /// Distinct values (`name-0000` ... zero-padded, so string order is numeric order).
        public var cardinality: Int

        public init(name: String, cardinality: Int) {
            self.name = name
            self.cardinality = cardinality
        }
    }

    /// The seed of every value.
    public var seed: UInt64
    /// Rows in the flush.
    public var rows: Int
    /// Tag columns, most significant first (rows sort by them in this order).
    public var tags: [Tag]
    /// Double field columns (never null).
    public var doubleFields: [String]
    /// Nullable int64 field columns (about one row in ten is null).
    public var int64Fields: [String]
    /// Timestamp of each series' first row, in milliseconds since the epoch.
    public var startMillis: Int64
    /// Spacing of a series' rows in milliseconds (each row jitters within the first half of it).
    public var intervalMillis: Int64
    /// The `__sequence` of the first write.
    public var firstSequence: UInt64
    /// The region the flush belongs to (recorded in the region metadata).
    public var regionID: UInt64

    public init(seed: UInt64, rows: Int, tags: [Tag] = [Tag(name: "host", cardinality: 1000)],
                doubleFields: [String] = ["cpu", "memory"], int64Fields: [String] = [],
                startMillis: Int64 = 1_700_000_000_000, intervalMillis: Int64 = 1000,
                firstSequence: UInt64 = 1, regionID: UInt64 = 0) {
        self.seed = seed
        self.rows = rows
        self.tags = tags
        self.doubleFields = doubleFields
        self.int64Fields = int64Fields
        self.startMillis = startMillis
        self.intervalMillis = intervalMillis
        self.firstSequence = firstSequence
        self.regionID = regionID
    }

    /// The name of the time-index column.
    public static let timestampColumn = "ts"
    /// The name of the sequence column.
    public static let sequenceColumn = "__sequence"
    /// The name of the operation-type column.
    public static let opTypeColumn = "__op_type"

    /// The SST's columns: tags, `ts`, doubles, int64s, `__sequence`, `__op_type`.
    public var schema: [SSTColumn] {
        tags.map { SSTColumn(name: $0.name, kind: .string) }
            + [SSTColumn(name: Self.timestampColumn, kind: .timestampMillis)]
            + doubleFields.map { SSTColumn(name: $0, kind: .double) }
            + int64Fields.map { SSTColumn(name: $0, kind: .int64, nullable: true) }
            + [SSTColumn(name: Self.sequenceColumn, kind: .uint64), SSTColumn(name: Self.opTypeColumn, kind: .uint8)]
    }

    /// Checks that the spec can be generated.
    ///
    /// - Throws: ``SSTFormatError`` (`invalid_input`) naming the first bad field.
    public func validate() throws(SSTFormatError) {
        func invalid(_ message: String) -> SSTFormatError {
            SSTFormatError(code: .invalidInput, operation: "generate flush data", message: message)
        }
        guard rows >= 0, rows <= Int(Int32.max) else { throw invalid("rows must be between 0 and \(Int32.max), not \(rows)") }
        guard intervalMillis > 0 else { throw invalid("intervalMillis must be positive, not \(intervalMillis)") }
        var series = 1
        for tag in tags {
            guard tag.cardinality > 0 else { throw invalid("tag '\(tag.name)' needs a positive cardinality, not \(tag.cardinality)") }
            series = series.multipliedReportingOverflow(by: tag.cardinality).overflow ? Int.max : series * tag.cardinality
        }
        guard series <= Int(Int32.max) else { throw invalid("the tags' cardinalities multiply to more than \(Int32.max) series") }
        let names = schema.map(\.name)
        guard Set(names).count == names.count else { throw invalid("column names repeat: \(names)") }
    }
}
