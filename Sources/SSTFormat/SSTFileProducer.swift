/// Settings of an ``SSTFileProducer``.
public struct SSTWriteOptions: Sendable, Equatable {
    /// Rows per Parquet row group.
    public var rowGroupSize: Int
    /// Whether to write the Puffin index file.
    public var index: Bool
    /// False-positive rate of each tag column's bloom filter.
    public var bloomFalsePositiveRate: Double
    /// Approximate bytes of values per data page.
    public var targetPageBytes: Int
    /// Page compression of the data file.
    public var compression: ParquetCompression

    public init(rowGroupSize: Int = 102_400, index: Bool = true, bloomFalsePositiveRate: Double = 0.01, targetPageBytes: Int = 1 << 20,
                compression: ParquetCompression = .uncompressed) {
        self.rowGroupSize = rowGroupSize
        self.index = index
        self.bloomFalsePositiveRate = bloomFalsePositiveRate
        self.targetPageBytes = targetPageBytes
        self.compression = compression
    }
}

/// The SST of one generated flush: a Parquet data file and a Puffin index of tag bloom filters.
///
/// The producer generates the flush one row group at a time (``FlushDataGenerator``) and
/// streams each into the data sink, so memory stays bounded by one row group whatever the
/// flush's size. It notes which tag values occur; after the data file it writes one bloom
/// filter per tag column, sized for the distinct values seen, into the index sink. A flush of
/// zero rows writes nothing to either sink (no SST, as in the reference).
public struct SSTFileProducer: SSTProducer {
    /// Footer key of the region metadata JSON.
    public static let regionMetadataKey = "greptime:metadata"
    /// The flush.
    public let spec: FlushDataSpec
    /// The settings.
    public let options: SSTWriteOptions

    public init(spec: FlushDataSpec, options: SSTWriteOptions = SSTWriteOptions()) {
        self.spec = spec
        self.options = options
    }

    /// Writes the flush's `.parquet` to `data` and, when enabled, its `.puffin` to `index`.
    ///
    /// - Returns: rows written and metadata: `greptime:metadata`, `sst.rowGroups`,
    ///   `sst.dataBytes`, `sst.indexBytes`, `sst.timeRange.start` / `sst.timeRange.end`
    ///   (milliseconds) and `sst.maxSequence`.
    /// - Throws: ``SSTFormatError`` (`invalid_input`) for an invalid spec or options; any error of
    ///   a sink, unchanged.
    public func produce(data: any ByteSink, index: any ByteSink) async throws -> SSTSummary {
        let generator = try FlushDataGenerator(spec)
        guard spec.rows > 0 else { return SSTSummary(rows: 0) }
        let regionMetadata = spec.regionMetadataJSON()
        var writer = try ParquetWriter(
            schema: generator.schema, sink: data,
            options: ParquetWriterOptions(rowGroupSize: options.rowGroupSize, targetPageBytes: options.targetPageBytes,
                                          keyValueMetadata: [Self.regionMetadataKey: regionMetadata], compression: options.compression))
        var seen = spec.tags.map { Array(repeating: false, count: $0.cardinality) }
        var start = 0
        while start < spec.rows {
            let end = min(spec.rows, start + options.rowGroupSize)
            let batch = generator.batch(start..<end)
            if options.index {
                for tag in spec.tags.indices {
                    guard case .strings(let strings) = batch.columns[tag].values else { continue }
                    var previous = UInt32.max
                    for value in strings.indices where value != previous {
                        seen[tag][Int(value)] = true
                        previous = value
                    }
                }
            }
            try await writer.write(batch)
            start = end
        }
        let footer = try await writer.finish()

        if options.index {
            var puffin = PuffinWriter(sink: index)
            for (tag, column) in spec.tags.enumerated() {
                let dictionary = generator.tagDictionary(tag)
                let present = seen[tag].indices.filter { seen[tag][$0] }
                var filter = BloomFilter(expectedItems: present.count, falsePositiveRate: options.bloomFalsePositiveRate)
                for entry in present { filter.insert(dictionary[entry]) }
                try await puffin.add(filter.serialized, type: BloomFilterBlob.type, fields: [Int32(tag)],
                                     properties: BloomFilterBlob.properties(column: column.name, filter: filter, items: present.count,
                                                                            falsePositiveRate: options.bloomFalsePositiveRate))
            }
            try await puffin.finish(properties: ["greptime:region-id": String(spec.regionID)])
        }

        var metadata = [
            Self.regionMetadataKey: regionMetadata,
            "sst.rowGroups": String(footer.rowGroups.count),
            "sst.dataBytes": String(data.bytesWritten),
            "sst.indexBytes": String(index.bytesWritten),
        ]
        let tsColumn = spec.tags.count
        let tsStats = footer.rowGroups.compactMap { $0.columns[tsColumn].statistics }
        if let low = tsStats.compactMap({ $0.minValue.map(Self.int64) }).min(),
           let high = tsStats.compactMap({ $0.maxValue.map(Self.int64) }).max() {
            metadata["sst.timeRange.start"] = String(low)
            metadata["sst.timeRange.end"] = String(high)
        }
        let sequenceColumn = generator.schema.count - 2
        if let maxSequence = footer.rowGroups.compactMap({ $0.columns[sequenceColumn].statistics?.maxValue.map(Self.int64) }).map({ UInt64(bitPattern: $0) }).max() {
            metadata["sst.maxSequence"] = String(maxSequence)
        }
        return SSTSummary(rows: UInt64(footer.numRows), metadata: metadata)
    }

    private static func int64(_ bytes: [UInt8]) -> Int64 {
        var value: UInt64 = 0
        for (k, byte) in bytes.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(k)) }
        return Int64(bitPattern: value)
    }
}
