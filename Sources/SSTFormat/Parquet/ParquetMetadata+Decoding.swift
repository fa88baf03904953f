/// Thrift decoding of the footer structs; unknown fields are skipped.
extension ParquetFileMetadata {
    /// Decodes a footer from its Thrift bytes; `context` names the file in errors.
    static func decode(_ bytes: [UInt8], context: String) throws(SSTFormatError) -> ParquetFileMetadata {
        var d = ThriftCompactDecoder(bytes, context: context)
        var metadata = ParquetFileMetadata(version: 0, schema: [], numRows: 0, rowGroups: [])
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .i32): metadata.version = try d.readI32()
            case (2, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count { metadata.schema.append(try ParquetSchemaElement.decode(&d)) }
            case (3, .i64): metadata.numRows = try d.readI64()
            case (4, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count { metadata.rowGroups.append(try ParquetRowGroup.decode(&d)) }
            case (5, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count {
                    d.beginStruct()
                    var key = ""
                    var value: String?
                    while let kv = try d.nextField() {
                        switch (kv.id, kv.type) {
                        case (1, .binary): key = try d.readString()
                        case (2, .binary): value = try d.readString()
                        default: try d.skip(kv.type)
                        }
                    }
                    d.endStruct()
                    metadata.keyValueMetadata.append((key, value))
                }
            case (6, .binary): metadata.createdBy = try d.readString()
            case (7, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count {
                    d.beginStruct()
                    var typeDefined = false
                    while let order = try d.nextField() {
                        if order.id == 1 { typeDefined = true }
                        try d.skip(order.type)
                    }
                    d.endStruct()
                    metadata.typeDefinedColumnOrders.append(typeDefined)
                }
            default: try d.skip(field.type)
            }
        }
        return metadata
    }
}

extension ParquetSchemaElement {
    static func decode(_ d: inout ThriftCompactDecoder) throws(SSTFormatError) -> ParquetSchemaElement {
        d.beginStruct()
        var element = ParquetSchemaElement(name: "")
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .i32): element.physicalType = ParquetPhysicalType(rawValue: try d.readI32())
            case (3, .i32): element.repetition = ParquetRepetition(rawValue: try d.readI32())
            case (4, .binary): element.name = try d.readString()
            case (5, .i32): element.numChildren = try d.readI32()
            case (6, .i32): element.convertedType = try d.readI32()
            case (10, .structure): element.logicalType = try decodeLogicalType(&d)
            default: try d.skip(field.type)
            }
        }
        d.endStruct()
        return element
    }

    private static func decodeLogicalType(_ d: inout ThriftCompactDecoder) throws(SSTFormatError) -> ParquetLogicalType? {
        d.beginStruct()
        var result: ParquetLogicalType?
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .structure):
                try d.skip(.structure)
                result = .string
            case (8, .structure):
                d.beginStruct()
                var utc = false
                var unit = ParquetTimeUnit.millis
                while let f = try d.nextField() {
                    switch (f.id, f.type) {
                    case (1, .boolTrue), (1, .boolFalse): utc = try d.readBool()
                    case (2, .structure):
                        d.beginStruct()
                        while let u = try d.nextField() {
                            if let known = ParquetTimeUnit(rawValue: u.id) { unit = known }
                            try d.skip(u.type)
                        }
                        d.endStruct()
                    default: try d.skip(f.type)
                    }
                }
                d.endStruct()
                result = .timestamp(isAdjustedToUTC: utc, unit: unit)
            case (10, .structure):
                d.beginStruct()
                var width: Int8 = 0
                var signed = true
                while let f = try d.nextField() {
                    switch (f.id, f.type) {
                    case (1, .i8): width = try d.readI8()
                    case (2, .boolTrue), (2, .boolFalse): signed = try d.readBool()
                    default: try d.skip(f.type)
                    }
                }
                d.endStruct()
                result = .integer(bitWidth: width, isSigned: signed)
            default:
                try d.skip(field.type)
                result = .other(field.id)
            }
        }
        d.endStruct()
        return result
    }
}

extension ParquetStatistics {
    static func decode(_ d: inout ThriftCompactDecoder) throws(SSTFormatError) -> ParquetStatistics {
        d.beginStruct()
        var stats = ParquetStatistics()
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .binary): stats.legacyMax = try d.readBinary()
            case (2, .binary): stats.legacyMin = try d.readBinary()
            case (3, .i64): stats.nullCount = try d.readI64()
            case (4, .i64): stats.distinctCount = try d.readI64()
            case (5, .binary): stats.maxValue = try d.readBinary()
            case (6, .binary): stats.minValue = try d.readBinary()
            case (9, .i64): stats.nanCount = try d.readI64()
            default: try d.skip(field.type)
            }
        }
        d.endStruct()
        return stats
    }
}

extension ParquetRowGroup {
    static func decode(_ d: inout ThriftCompactDecoder) throws(SSTFormatError) -> ParquetRowGroup {
        d.beginStruct()
        var group = ParquetRowGroup(columns: [], totalByteSize: 0, numRows: 0)
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count {
                    d.beginStruct()
                    var chunk: ParquetColumnChunk?
                    while let f = try d.nextField() {
                        if f.id == 3 && f.type == .structure {
                            chunk = try ParquetColumnChunk.decode(&d)
                        } else {
                            try d.skip(f.type)
                        }
                    }
                    d.endStruct()
                    guard let chunk else {
                        throw SSTFormatError(code: .corrupt, operation: "decode footer",
                                             message: "a column chunk has no ColumnMetaData (columns stored in another file are not supported)")
                    }
                    group.columns.append(chunk)
                }
            case (2, .i64): group.totalByteSize = try d.readI64()
            case (3, .i64): group.numRows = try d.readI64()
            case (5, .i64): group.fileOffset = try d.readI64()
            case (6, .i64): group.totalCompressedSize = try d.readI64()
            case (7, .i16): group.ordinal = Int16(truncatingIfNeeded: try d.readI64())
            default: try d.skip(field.type)
            }
        }
        d.endStruct()
        return group
    }
}

extension ParquetColumnChunk {
    static func decode(_ d: inout ThriftCompactDecoder) throws(SSTFormatError) -> ParquetColumnChunk {
        d.beginStruct()
        var chunk = ParquetColumnChunk(physicalType: .boolean, encodings: [], path: [], numValues: 0,
                                       totalUncompressedSize: 0, totalCompressedSize: 0, dataPageOffset: 0)
        while let field = try d.nextField() {
            switch (field.id, field.type) {
            case (1, .i32): chunk.physicalType = ParquetPhysicalType(rawValue: try d.readI32()) ?? .boolean
            case (2, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count {
                    if let encoding = ParquetEncoding(rawValue: try d.readI32()) { chunk.encodings.append(encoding) }
                }
            case (3, .list):
                let header = try d.readListHeader()
                for _ in 0..<header.count { chunk.path.append(try d.readString()) }
            case (4, .i32): chunk.codec = try d.readI32()
            case (5, .i64): chunk.numValues = try d.readI64()
            case (6, .i64): chunk.totalUncompressedSize = try d.readI64()
            case (7, .i64): chunk.totalCompressedSize = try d.readI64()
            case (9, .i64): chunk.dataPageOffset = try d.readI64()
            case (11, .i64): chunk.dictionaryPageOffset = try d.readI64()
            case (12, .structure): chunk.statistics = try ParquetStatistics.decode(&d)
            default: try d.skip(field.type)
            }
        }
        d.endStruct()
        return chunk
    }
}
