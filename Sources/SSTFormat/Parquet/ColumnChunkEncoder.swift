/// Encodes the columns of one row group into column chunks: an optional dictionary page, then
/// data pages (v1) of at most ``targetPageBytes`` of values each, with each chunk's statistics.
///
/// Chunks are appended to ``rowGroup`` (one buffer, one write to the sink per row group). The
/// encoder keeps its buffers between row groups (their capacity is reused), so encoding
/// allocates nothing per value and, after the first row group, almost nothing at all.
struct ColumnChunkEncoder {
    /// The encoded chunks of the current row group: page headers and pages, ready for the sink.
    private(set) var rowGroup: [UInt8] = []
    /// Approximate bytes of values per data page.
    let targetPageBytes: Int
    /// Page compression.
    let compression: ParquetCompression
    private let compressor: ZstdCompressor?
    /// Bytes of the current chunk's headers and pages before compression.
    private var uncompressedBytes = 0
    private var compressed: [UInt8] = []

    private var page: [UInt8] = []
    private var header = ThriftCompactEncoder()
    private var levels: [UInt32] = []
    private var widened: [Int32] = []
    private var localOf: [Int32] = []
    private var localIndices: [UInt32] = []
    private var usedEntries: [Int] = []

    init(targetPageBytes: Int, compression: ParquetCompression = .uncompressed) throws(SSTFormatError) {
        self.targetPageBytes = max(1024, targetPageBytes)
        self.compression = compression
        switch compression {
        case .uncompressed: compressor = nil
        case .zstd(let level): compressor = try ZstdCompressor(level: level)
        }
    }

    /// The previous row group's buffer: the sink may still hold it for a moment after its write
    /// returned, so row groups alternate between two buffers and each is reused, not reallocated.
    private var spareRowGroup: [UInt8] = []

    /// Empties ``rowGroup`` for the next row group, reserving `expectedBytes`.
    mutating func beginRowGroup(expectedBytes: Int) {
        swap(&rowGroup, &spareRowGroup)
        rowGroup.removeAll(keepingCapacity: true)
        rowGroup.reserveCapacity(expectedBytes)
    }

    /// Encodes `rows` of `data` as `column`'s chunk and appends it to ``rowGroup``;
    /// `fileOffset` is the file offset of ``rowGroup``'s first byte.
    ///
    /// - Throws: ``SSTFormatError`` when compression fails.
    mutating func encode(column: SSTColumn, data: SSTColumnData, rows: Range<Int>, fileOffset: Int64) throws(SSTFormatError) -> ParquetColumnChunk {
        let base = rowGroup.count
        uncompressedBytes = 0
        let chunkOffset = fileOffset + Int64(base)
        // Definition levels exactly for nullable columns (all present when no flags were given).
        let validity = column.nullable ? (data.validity ?? Array(repeating: true, count: data.values.count)) : nil
        var dictionaryPageOffset: Int64?
        var dataPageOffset = chunkOffset
        let statistics: ParquetStatistics
        var encodings: [ParquetEncoding] = [.plain, .rle]
        switch data.values {
        case .strings(let strings):
            encodings.append(.rleDictionary)
            dictionaryPageOffset = chunkOffset
            statistics = try encodeDictionary(strings, validity: validity, rows: rows)
            dataPageOffset = fileOffset + Int64(dictionaryPageEnd)
        case .int64(let values):
            statistics = try values.withUnsafeBufferPointer { all throws(SSTFormatError) in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return try withValidity(validity, rows) { valid throws(SSTFormatError) in
                    try writeFixedWidthPages(slice, validity: valid)
                    return Self.signedStatistics(slice, validity: valid)
                }
            }
        case .uint64(let values):
            statistics = try values.withUnsafeBufferPointer { all throws(SSTFormatError) in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return try withValidity(validity, rows) { valid throws(SSTFormatError) in
                    try writeFixedWidthPages(slice, validity: valid)
                    return Self.unsignedStatistics(slice, validity: valid)
                }
            }
        case .uint8(let values):
            widened.removeAll(keepingCapacity: true)
            widened.reserveCapacity(rows.count)
            for row in rows { widened.append(Int32(values[row])) }
            let scratch = widened
            statistics = try scratch.withUnsafeBufferPointer { slice throws(SSTFormatError) in
                try withValidity(validity, rows) { valid throws(SSTFormatError) in
                    try writeFixedWidthPages(slice, validity: valid)
                    return Self.unsignedStatistics(slice, validity: valid)
                }
            }
        case .double(let values):
            statistics = try values.withUnsafeBufferPointer { all throws(SSTFormatError) in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return try withValidity(validity, rows) { valid throws(SSTFormatError) in
                    try writeFixedWidthPages(slice, validity: valid)
                    return Self.doubleStatistics(slice, validity: valid)
                }
            }
        }
        return ParquetColumnChunk(
            physicalType: column.kind.physicalType, encodings: encodings, path: [column.name], codec: compression.codec,
            numValues: Int64(rows.count), totalUncompressedSize: Int64(uncompressedBytes),
            totalCompressedSize: Int64(rowGroup.count - base), dataPageOffset: dataPageOffset,
            dictionaryPageOffset: dictionaryPageOffset, statistics: statistics)
    }

    /// Where the last dictionary page ended in ``rowGroup``.
    private var dictionaryPageEnd = 0

    // MARK: Pages

    /// Data pages of fixed-width values: `[levels] values`, non-null values only.
    private mutating func writeFixedWidthPages<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>, validity: UnsafeBufferPointer<Bool>?) throws(SSTFormatError) {
        let width = MemoryLayout<T>.stride
        let rowsPerPage = max(1, targetPageBytes / width)
        var start = 0
        repeat {
            let end = min(values.count, start + rowsPerPage)
            if let validity {
                page.removeAll(keepingCapacity: true)
                appendLevels(UnsafeBufferPointer(rebasing: validity[start..<end]))
                for row in start..<end where validity[row] {
                    withUnsafeBytes(of: values[row]) { page.append(contentsOf: $0) }
                }
                try appendPage(count: end - start, encoding: .plain)
            } else if compressor != nil {
                page.removeAll(keepingCapacity: true)
                page.appendRaw(UnsafeBufferPointer(rebasing: values[start..<end]))
                try appendPage(count: end - start, encoding: .plain)
            } else {
                // Required, uncompressed: the page is the raw values, written straight into the chunk.
                let size = (end - start) * width
                header.reset()
                ParquetPageHeader.dataPage(into: &header, size: size, storedSize: size, values: end - start, encoding: .plain)
                rowGroup.append(contentsOf: header.bytes)
                rowGroup.appendRaw(UnsafeBufferPointer(rebasing: values[start..<end]))
                uncompressedBytes += header.bytes.count + size
            }
            start = end
        } while start < values.count
    }

    /// Appends the data page in ``page`` (compressed if so configured) behind its header.
    private mutating func appendPage(count: Int, encoding: ParquetEncoding) throws(SSTFormatError) {
        try appendPage { header, stored, size in
            ParquetPageHeader.dataPage(into: &header, size: size, storedSize: stored, values: count, encoding: encoding)
        }
    }

    /// Appends ``page``: compresses it if so configured, writes its header with `writeHeader`
    /// (encoder, stored size, raw size), then the stored bytes.
    private mutating func appendPage(_ writeHeader: (inout ThriftCompactEncoder, Int, Int) -> Void) throws(SSTFormatError) {
        header.reset()
        if let compressor {
            try compressor.compress(page, into: &compressed)
            writeHeader(&header, compressed.count, page.count)
            rowGroup.append(contentsOf: header.bytes)
            rowGroup.append(contentsOf: compressed)
        } else {
            writeHeader(&header, page.count, page.count)
            rowGroup.append(contentsOf: header.bytes)
            rowGroup.append(contentsOf: page)
        }
        uncompressedBytes += header.bytes.count + page.count
    }

    /// Definition levels (max level 1) of a page: a 4-byte length, then the RLE hybrid.
    private mutating func appendLevels(_ validity: UnsafeBufferPointer<Bool>) {
        levels.removeAll(keepingCapacity: true)
        for valid in validity { levels.append(valid ? 1 : 0) }
        let lengthAt = page.count
        page.appendUInt32(0)
        levels.withUnsafeBufferPointer { RLEHybridEncoder.encode($0, bitWidth: 1, into: &page) }
        page.storeUInt32(UInt32(page.count - lengthAt - 4), at: lengthAt)
    }

    // MARK: Dictionary

    /// The dictionary page (the row group's used strings, PLAIN) and RLE_DICTIONARY data pages.
    private mutating func encodeDictionary(_ strings: DictionaryStrings, validity: [Bool]?, rows: Range<Int>) throws(SSTFormatError) -> ParquetStatistics {
        // Map the input's dictionary onto this row group's: the entries its rows use, in order
        // of first use. Runs of one tag (a sorted flush) skip the lookup.
        var map = localOf
        var used = usedEntries
        var local = localIndices
        localOf = []
        usedEntries = []
        localIndices = []
        if map.count < strings.values.count {
            map.append(contentsOf: repeatElement(-1, count: strings.values.count - map.count))
        }
        used.removeAll(keepingCapacity: true)
        local.removeAll(keepingCapacity: true)
        local.reserveCapacity(rows.count)
        var nulls = 0
        strings.indices.withUnsafeBufferPointer { indices in
            map.withUnsafeMutableBufferPointer { map in
                var previous = UInt32.max
                var previousLocal: UInt32 = 0
                for row in rows {
                    if let validity, !validity[row] {
                        nulls += 1
                        continue
                    }
                    let index = indices[row]
                    if index != previous {
                        let known = map[Int(index)]
                        if known >= 0 {
                            previousLocal = UInt32(known)
                        } else {
                            previousLocal = UInt32(used.count)
                            map[Int(index)] = Int32(previousLocal)
                            used.append(Int(index))
                        }
                        previous = index
                    }
                    local.append(previousLocal)
                }
            }
        }
        for entry in used { map[entry] = -1 }
        localOf = map
        usedEntries = used
        localIndices = local

        // Dictionary page.
        page.removeAll(keepingCapacity: true)
        var minimum: [UInt8]?
        var maximum: [UInt8]?
        for entry in usedEntries {
            let value = strings.values[entry]
            page.appendUInt32(UInt32(value.count))
            page.append(contentsOf: value)
            if minimum.map({ value.lexicographicallyPrecedes($0) }) ?? true { minimum = value }
            if maximum.map({ $0.lexicographicallyPrecedes(value) }) ?? true { maximum = value }
        }
        let entries = usedEntries.count
        try appendPage { header, stored, size in
            ParquetPageHeader.dictionaryPage(into: &header, size: size, storedSize: stored, values: entries)
        }
        dictionaryPageEnd = rowGroup.count

        // Data pages: indices of at most targetPageBytes / 4 rows each.
        let bitWidth = RLEHybridEncoder.bitWidth(forMax: UInt32(max(0, usedEntries.count - 1)))
        let rowsPerPage = max(1, targetPageBytes / 4)
        var start = rows.lowerBound
        var consumed = 0
        repeat {
            let end = min(rows.upperBound, start + rowsPerPage)
            page.removeAll(keepingCapacity: true)
            var present = end - start
            if let validity {
                validity.withUnsafeBufferPointer { appendLevels(UnsafeBufferPointer(rebasing: $0[start..<end])) }
                present = validity[start..<end].reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            page.append(UInt8(bitWidth))
            let first = consumed
            let indices = localIndices
            indices.withUnsafeBufferPointer { all in
                RLEHybridEncoder.encode(UnsafeBufferPointer(rebasing: all[first..<(first + present)]), bitWidth: bitWidth, into: &page)
            }
            consumed += present
            try appendPage(count: end - start, encoding: .rleDictionary)
            start = end
        } while start < rows.upperBound
        return ParquetStatistics(nullCount: Int64(nulls), maxValue: maximum, minValue: minimum)
    }

    // MARK: Statistics

    private static func signedStatistics(_ values: UnsafeBufferPointer<Int64>, validity: UnsafeBufferPointer<Bool>?) -> ParquetStatistics {
        var minimum = Int64.max
        var maximum = Int64.min
        var nulls = 0
        if let validity {
            for i in 0..<values.count {
                if validity[i] {
                    minimum = min(minimum, values[i])
                    maximum = max(maximum, values[i])
                } else {
                    nulls += 1
                }
            }
        } else {
            for value in values {
                minimum = min(minimum, value)
                maximum = max(maximum, value)
            }
        }
        guard nulls < values.count else { return ParquetStatistics(nullCount: Int64(nulls)) }
        let lo = PlainBytes.of(minimum)
        let hi = PlainBytes.of(maximum)
        return ParquetStatistics(legacyMax: hi, legacyMin: lo, nullCount: Int64(nulls), maxValue: hi, minValue: lo)
    }

    private static func unsignedStatistics<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, validity: UnsafeBufferPointer<Bool>?) -> ParquetStatistics {
        // Unsigned order on the stored bit pattern; the deprecated signed fields are not written.
        var minimum = UInt64.max
        var maximum = UInt64.min
        var nulls = 0
        for i in 0..<values.count {
            if let validity, !validity[i] {
                nulls += 1
                continue
            }
            let value = UInt64(truncatingIfNeeded: values[i])
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
        guard nulls < values.count else { return ParquetStatistics(nullCount: Int64(nulls)) }
        return ParquetStatistics(nullCount: Int64(nulls),
                                 maxValue: PlainBytes.of(T(truncatingIfNeeded: maximum)),
                                 minValue: PlainBytes.of(T(truncatingIfNeeded: minimum)))
    }

    private static func doubleStatistics(_ values: UnsafeBufferPointer<Double>, validity: UnsafeBufferPointer<Bool>?) -> ParquetStatistics {
        // Type-defined order for doubles: NaNs are counted and left out of the bounds; a zero
        // minimum is written as -0.0 and a zero maximum as +0.0.
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var nulls = 0
        var nans = 0
        var seen = 0
        for i in 0..<values.count {
            if let validity, !validity[i] {
                nulls += 1
                continue
            }
            let value = values[i]
            if value.isNaN {
                nans += 1
                continue
            }
            seen += 1
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
        }
        guard seen > 0 else { return ParquetStatistics(nullCount: Int64(nulls), nanCount: Int64(nans)) }
        if minimum == 0 { minimum = -0.0 }
        if maximum == 0 { maximum = 0.0 }
        let lo = PlainBytes.of(minimum)
        let hi = PlainBytes.of(maximum)
        return ParquetStatistics(legacyMax: hi, legacyMin: lo, nullCount: Int64(nulls), maxValue: hi, minValue: lo, nanCount: Int64(nans))
    }
}

/// Calls `body` with the validity of `rows`, or `nil` when the column has no nulls.
private func withValidity<R>(_ validity: [Bool]?, _ rows: Range<Int>,
                             _ body: (UnsafeBufferPointer<Bool>?) throws(SSTFormatError) -> R) throws(SSTFormatError) -> R {
    guard let validity else { return try body(nil) }
    return try validity.withUnsafeBufferPointer { (buffer) throws(SSTFormatError) -> R in
        try body(UnsafeBufferPointer(rebasing: buffer[rows]))
    }
}
