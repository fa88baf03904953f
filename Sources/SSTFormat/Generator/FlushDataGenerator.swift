import Platform

/// Generates the rows of a flush deterministically from a ``FlushDataSpec``.
///
/// Rows come sorted by (tags, timestamp), as a memtable flush produces them. Every value is a
/// pure function of the seed and the row number, so any range of rows can be generated on its
/// own: a writer asks for one row group at a time and never holds the whole flush.
///
/// The flush is a set of series (one per tag combination, cut to the row count); series `s`
/// holds a contiguous run of rows. In row `k` of series `s`: `ts` = start + k x interval +
/// jitter; `__sequence` = first + k x series + s (the order the rows were written in, one
/// timestamp step for all series at a time); `__op_type` is 1 (put) but about 1 in 100 is 0
/// (delete); doubles are in [0, 100); int64 fields are signed and about 1 in 10 is null.
public struct FlushDataGenerator: Sendable {
    /// The spec.
    public let spec: FlushDataSpec
    /// The columns of the generated batches.
    public let schema: [SSTColumn]
    private let tagValues: [[[UInt8]]]
    private let tagStrides: [Int]
    private let seriesCount: Int

    /// A generator of `spec`'s rows.
    ///
    /// - Throws: ``SSTFormatError`` (`invalid_input`) when the spec is invalid.
    public init(_ spec: FlushDataSpec) throws(SSTFormatError) {
        try spec.validate()
        self.spec = spec
        self.schema = spec.schema
        var values: [[[UInt8]]] = []
        for tag in spec.tags {
            let digits = String(max(0, tag.cardinality - 1)).count
            values.append((0..<tag.cardinality).map { index in
                let number = String(index)
                return Array((tag.name + "-" + String(repeating: "0", count: digits - number.count) + number).utf8)
            })
        }
        self.tagValues = values
        var strides = Array(repeating: 1, count: spec.tags.count)
        var combinations = 1
        for j in (0..<spec.tags.count).reversed() {
            strides[j] = combinations
            combinations *= spec.tags[j].cardinality
        }
        self.tagStrides = strides
        self.seriesCount = max(1, min(combinations, max(1, spec.rows)))
    }

    /// The distinct values of tag column `tag` (index into ``FlushDataSpec/tags``).
    public func tagDictionary(_ tag: Int) -> [[UInt8]] {
        tagValues[tag]
    }

    /// The rows `range` (within `0..<spec.rows`) as a batch in ``schema`` order.
    public func batch(_ range: Range<Int>) -> SSTRecordBatch {
        let count = range.count
        let rows = spec.rows
        let series = seriesCount
        var tagIndices = Array(repeating: [UInt32](), count: spec.tags.count)
        for j in tagIndices.indices { tagIndices[j].reserveCapacity(count) }
        var timestamps = [Int64]()
        timestamps.reserveCapacity(count)
        var sequences = [UInt64]()
        sequences.reserveCapacity(count)
        var opTypes = [UInt8]()
        opTypes.reserveCapacity(count)
        let halfInterval = UInt64(max(1, spec.intervalMillis / 2))

        var currentSeries = -1
        var seriesFirstRow = 0
        for row in range {
            let s = row * series / rows
            if s != currentSeries {
                currentSeries = s
                seriesFirstRow = (s * rows + series - 1) / series
            }
            let k = row - seriesFirstRow
            for j in 0..<spec.tags.count {
                tagIndices[j].append(UInt32((s / tagStrides[j]) % spec.tags[j].cardinality))
            }
            let jitter = Int64(mix(row, 1) % halfInterval)
            timestamps.append(spec.startMillis + Int64(k) * spec.intervalMillis + jitter)
            sequences.append(spec.firstSequence &+ UInt64(k) &* UInt64(series) &+ UInt64(s))
            opTypes.append(mix(row, 2) % 100 == 0 ? 0 : 1)
        }

        var columns: [SSTColumnData] = []
        for j in 0..<spec.tags.count {
            columns.append(SSTColumnData(.strings(DictionaryStrings(values: tagValues[j], indices: tagIndices[j]))))
        }
        columns.append(SSTColumnData(.int64(timestamps)))
        for f in 0..<spec.doubleFields.count {
            let salt = UInt64(16 + f)
            columns.append(SSTColumnData(.double(range.map { row in
                Double(mix(row, salt) >> 11) * 0x1p-53 * 100
            })))
        }
        for f in 0..<spec.int64Fields.count {
            let salt = UInt64(1024 + f)
            var values = [Int64]()
            var validity = [Bool]()
            values.reserveCapacity(count)
            validity.reserveCapacity(count)
            for row in range {
                let h = mix(row, salt)
                let present = h % 10 != 0
                values.append(present ? Int64(bitPattern: h) >> 20 : 0)
                validity.append(present)
            }
            columns.append(SSTColumnData(.int64(values), validity: validity))
        }
        columns.append(SSTColumnData(.uint64(sequences)))
        columns.append(SSTColumnData(.uint8(opTypes)))
        return SSTRecordBatch(columns: columns, rowCount: count)
    }

    /// A well-mixed 64-bit value of (seed, row, salt): SplitMix64's finaliser.
    private func mix(_ row: Int, _ salt: UInt64) -> UInt64 {
        SplitMix64.finalize(spec.seed &+ UInt64(truncatingIfNeeded: row) &* SplitMix64.goldenGamma &+ salt &* 0xD1B5_4A32_D192_ED03)
    }
}
