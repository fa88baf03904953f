/// The element and field type codes of the Thrift compact protocol.
enum ThriftType: UInt8 {
    case stop = 0
    case boolTrue = 1
    case boolFalse = 2
    case i8 = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
    case uuid = 13
}

/// Writes Thrift structs in the compact protocol (zigzag varints, field-id deltas).
///
/// Parquet's footer and page headers are Thrift structs; this encoder writes exactly what the
/// Parquet metadata needs: integers, booleans, binaries, lists and nested structs. Fields must be
/// written in increasing id order within a struct, as the delta form assumes.
struct ThriftCompactEncoder {
    /// The encoded bytes so far.
    var bytes: [UInt8]
    private var lastFieldID: Int16 = 0

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Clears the bytes (keeping the capacity) to encode another struct.
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        lastFieldID = 0
    }

    // MARK: Fields

    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        varint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        varint(zigzag(value))
    }

    mutating func i8(_ id: Int16, _ value: Int8) {
        fieldHeader(id, .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func i16(_ id: Int16, _ value: Int16) {
        fieldHeader(id, .i16)
        varint(zigzag(Int64(value)))
    }

    mutating func bool(_ id: Int16, _ value: Bool) {
        fieldHeader(id, value ? .boolTrue : .boolFalse)
    }

    mutating func binary(_ id: Int16, _ value: [UInt8]) {
        fieldHeader(id, .binary)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ id: Int16, _ value: String) {
        binary(id, Array(value.utf8))
    }

    /// A nested struct field: `body` writes its fields; the stop byte is added after it.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactEncoder) -> Void) {
        fieldHeader(id, .structure)
        structureBody(body)
    }

    /// A list field's header; the caller then writes `count` elements.
    mutating func listHeader(_ id: Int16, element: ThriftType, count: Int) {
        fieldHeader(id, .list)
        listHeader(element: element, count: count)
    }

    /// A list field of i32 values (enums included).
    mutating func i32List(_ id: Int16, _ values: [Int32]) {
        listHeader(id, element: .i32, count: values.count)
        for value in values { varint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31)))) }
    }

    /// A list field of strings.
    mutating func stringList(_ id: Int16, _ values: [String]) {
        listHeader(id, element: .binary, count: values.count)
        for value in values {
            let utf8 = Array(value.utf8)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A list field of structs, one `body` call per element.
    mutating func structList<Element>(_ id: Int16, _ elements: [Element], _ body: (inout ThriftCompactEncoder, Element) -> Void) {
        listHeader(id, element: .structure, count: elements.count)
        for element in elements {
            structureBody { body(&$0, element) }
        }
    }

    /// Ends the top-level struct.
    mutating func stop() {
        bytes.append(ThriftType.stop.rawValue)
    }

    // MARK: Building blocks

    private mutating func structureBody(_ body: (inout ThriftCompactEncoder) -> Void) {
        let saved = lastFieldID
        lastFieldID = 0
        body(&self)
        bytes.append(ThriftType.stop.rawValue)
        lastFieldID = saved
    }

    private mutating func listHeader(element: ThriftType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    private mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastFieldID = id
    }

    private func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}
