/// Reads Thrift structs in the compact protocol, skipping fields it does not know.
///
/// Decoding is driven by the caller: ``nextField()`` yields each field's id and type until the
/// struct's stop byte, and the caller reads the value with the matching method or ``skip(_:)``.
/// Truncated or malformed input throws ``SSTFormatError`` with code `corrupt`.
struct ThriftCompactDecoder {
    private let bytes: [UInt8]
    /// The read position.
    private(set) var position: Int
    private var lastFieldID: Int16 = 0
    private var fieldIDStack: [Int16] = []
    /// The boolean carried in the last field header (compact booleans have no value bytes).
    private var pendingBool: Bool?
    private let context: String

    /// A decoder of `bytes` from `position`; `context` names the file in error messages.
    init(_ bytes: [UInt8], position: Int = 0, context: String) {
        self.bytes = bytes
        self.position = position
        self.context = context
    }

    /// The next field's id and type, or `nil` at the struct's stop byte.
    mutating func nextField() throws(SSTFormatError) -> (id: Int16, type: ThriftType)? {
        let header = try byte()
        if header == 0 { return nil }
        guard let type = ThriftType(rawValue: header & 0x0F) else {
            throw corrupt("unknown field type \(header & 0x0F)")
        }
        let delta = header >> 4
        let id: Int16
        if delta != 0 {
            id = lastFieldID &+ Int16(delta)
        } else {
            id = Int16(truncatingIfNeeded: try zigzagVarint())
        }
        lastFieldID = id
        switch type {
        case .boolTrue: pendingBool = true
        case .boolFalse: pendingBool = false
        default: pendingBool = nil
        }
        return (id, type)
    }

    /// Enters a nested struct (after its field header or as a list element).
    mutating func beginStruct() {
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
    }

    /// Leaves a nested struct once ``nextField()`` returned `nil`.
    mutating func endStruct() {
        lastFieldID = fieldIDStack.popLast() ?? 0
    }

    mutating func readBool() throws(SSTFormatError) -> Bool {
        if let value = pendingBool {
            pendingBool = nil
            return value
        }
        return try byte() == 1
    }

    mutating func readI8() throws(SSTFormatError) -> Int8 {
        Int8(bitPattern: try byte())
    }

    mutating func readI32() throws(SSTFormatError) -> Int32 {
        let value = try zigzagVarint()
        guard let narrowed = Int32(exactly: value) else { throw corrupt("i32 out of range") }
        return narrowed
    }

    mutating func readI64() throws(SSTFormatError) -> Int64 {
        try zigzagVarint()
    }

    mutating func readBinary() throws(SSTFormatError) -> [UInt8] {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else { throw corrupt("binary of \(length) bytes runs past the end") }
        let start = position
        position += Int(length)
        return Array(bytes[start..<position])
    }

    mutating func readString() throws(SSTFormatError) -> String {
        String(decoding: try readBinary(), as: UTF8.self)
    }

    /// A list header: element type and count.
    mutating func readListHeader() throws(SSTFormatError) -> (element: ThriftType, count: Int) {
        let header = try byte()
        guard let element = ThriftType(rawValue: header & 0x0F) else {
            throw corrupt("unknown list element type \(header & 0x0F)")
        }
        var count = Int(header >> 4)
        if count == 15 {
            let big = try varint()
            guard big <= UInt64(bytes.count - position) else { throw corrupt("list of \(big) elements runs past the end") }
            count = Int(big)
        }
        return (element, count)
    }

    /// Skips one value of `type`.
    mutating func skip(_ type: ThriftType) throws(SSTFormatError) {
        switch type {
        case .stop: return
        case .boolTrue, .boolFalse:
            if pendingBool != nil { pendingBool = nil } else { _ = try byte() }
        case .i8: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: try advance(8)
        case .uuid: try advance(16)
        case .binary: _ = try readBinary()
        case .list, .set:
            let (element, count) = try readListHeader()
            for _ in 0..<count { try skipElement(element) }
        case .map:
            let count = try varint()
            if count == 0 { return }
            let kinds = try byte()
            guard let key = ThriftType(rawValue: kinds >> 4), let value = ThriftType(rawValue: kinds & 0x0F) else {
                throw corrupt("unknown map element types")
            }
            for _ in 0..<count {
                try skipElement(key)
                try skipElement(value)
            }
        case .structure:
            beginStruct()
            while let field = try nextField() { try skip(field.type) }
            endStruct()
        }
    }

    private mutating func skipElement(_ type: ThriftType) throws(SSTFormatError) {
        // Booleans inside lists are one byte each; type code 2 stands for `bool` there.
        if type == .boolTrue || type == .boolFalse {
            _ = try byte()
        } else {
            try skip(type)
        }
    }

    // MARK: Building blocks

    private mutating func byte() throws(SSTFormatError) -> UInt8 {
        guard position < bytes.count else { throw corrupt("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func advance(_ count: Int) throws(SSTFormatError) {
        guard count <= bytes.count - position else { throw corrupt("unexpected end of data") }
        position += count
    }

    private mutating func varint() throws(SSTFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw corrupt("varint longer than 10 bytes") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func zigzagVarint() throws(SSTFormatError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    private func corrupt(_ detail: String) -> SSTFormatError {
        SSTFormatError(code: .corrupt, operation: "decode thrift", path: nil,
                       message: "the Thrift metadata of \(context) is malformed at byte \(position): \(detail)")
    }
}
