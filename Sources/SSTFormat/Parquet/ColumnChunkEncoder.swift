/// Encodes one column of one row group into a column chunk: an optional dictionary page, then
/// data pages (v1) of at most ``targetPageBytes`` of values each, with the chunk's statistics.
///
/// The encoder keeps its buffers between chunks (their capacity is reused), so encoding a row
/// group allocates nothing per value and, after the first row group, almost nothing at all.
struct ColumnChunkEncoder {
    /// The encoded chunk: page headers and pages, ready for the sink.
    private(set) var chunk: [UInt8] = []
    /// Approximate bytes of values per data page.
    let targetPageBytes: Int

    private var page: [UInt8] = []
    private var header = ThriftCompactEncoder()
    private var levels: [UInt32] = []
    private var widened: [Int32] = []
    private var localOf: [Int32] = []
    private var localIndices: [UInt32] = []
    private var usedEntries: [Int] = []

    init(targetPageBytes: Int) {
        self.targetPageBytes = max(1024, targetPageBytes)
    }

    /// Encodes `rows` of `data` as `column`'s chunk starting at file offset `fileOffset`; the bytes
    /// are in ``chunk`` afterwards.
    mutating func encode(column: SSTColumn, data: SSTColumnData, rows: Range<Int>, fileOffset: Int64) -> ParquetColumnChunk {
        chunk.removeAll(keepingCapacity: true)
        // Definition levels exactly for nullable columns (all present when no flags were given).
        let validity = column.nullable ? (data.validity ?? Array(repeating: true, count: data.values.count)) : nil
        var dictionaryPageOffset: Int64?
        var dataPageOffset = fileOffset
        let statistics: ParquetStatistics
        var encodings: [ParquetEncoding] = [.plain, .rle]
        switch data.values {
        case .strings(let strings):
            encodings.append(.rleDictionary)
            dictionaryPageOffset = fileOffset
            statistics = encodeDictionary(strings, validity: validity, rows: rows)
            dataPageOffset = fileOffset + Int64(dictionaryPageLength)
        case .int64(let values):
            statistics = values.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return withValidity(validity, rows) { valid in
                    writeFixedWidthPages(slice, validity: valid)
                    return Self.signedStatistics(slice, validity: valid)
                }
            }
        case .uint64(let values):
            statistics = values.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return withValidity(validity, rows) { valid in
                    writeFixedWidthPages(slice, validity: valid)
                    return Self.unsignedStatistics(slice, validity: valid)
                }
            }
        case .uint8(let values):
            widened.removeAll(keepingCapacity: true)
            widened.reserveCapacity(rows.count)
            for row in rows { widened.append(Int32(values[row])) }
            let scratch = widened
            statistics = scratch.withUnsafeBufferPointer { slice in
                withValidity(validity, rows) { valid in
                    writeFixedWidthPages(slice, validity: valid)
                    return Self.unsignedStatistics(slice, validity: valid)
                }
            }
        case .double(let values):
            statistics = values.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                return withValidity(validity, rows) { valid in
                    writeFixedWidthPages(slice, validity: valid)
                    return Self.doubleStatistics(slice, validity: valid)
                }
            }
        }
        return ParquetColumnChunk(
            physicalType: column.kind.physicalType, encodings: encodings, path: [column.name],
            numValues: Int64(rows.count), totalUncompressedSize: Int64(chunk.count),
            totalCompressedSize: Int64(chunk.count), dataPageOffset: dataPageOffset,
            dictionaryPageOffset: dictionaryPageOffset, statistics: statistics)
    }

    private var dictionaryPageLength = 0

    // MARK: Pages

    /// Data pages of fixed-width values: `[levels] values`, non-null values only.
    private mutating func writeFixedWidthPages<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>, validity: UnsafeBufferPointer<Bool>?) {
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
                appendPage(count: end - start, encoding: .plain)
            } else {
                // Required columns: the page is the raw values, written straight into the chunk.
                header.reset()
                ParquetPageHeader.dataPage(into: &header, size: (end - start) * width, values: end - start, encoding: .plain)
                chunk.append(contentsOf: header.bytes)
                chunk.appendRaw(UnsafeBufferPointer(rebasing: values[start..<end]))
            }
            start = end
        } while start < values.count
    }

    /// Appends the page in ``page`` behind its header.
    private mutating func appendPage(count: Int, encoding: ParquetEncoding) {
        header.reset()
        ParquetPageHeader.dataPage(into: &header, size: page.count, values: count, encoding: encoding)
        chunk.append(contentsOf: header.bytes)
        chunk.append(contentsOf: page)
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
    private mutating func encodeDictionary(_ strings: DictionaryStrings, validity: [Bool]?, rows: Range<Int>) -> ParquetStatistics {
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
        header.reset()
        ParquetPageHeader.dictionaryPage(into: &header, size: page.count, values: usedEntries.count)
        chunk.append(contentsOf: header.bytes)
        chunk.append(contentsOf: page)
        dictionaryPageLength = chunk.count

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
            appendPage(count: end - start, encoding: .rleDictionary)
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
private func withValidity<R>(_ validity: [Bool]?, _ rows: Range<Int>, _ body: (UnsafeBufferPointer<Bool>?) -> R) -> R {
    guard let validity else { return body(nil) }
    return validity.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[rows])) }
}
