/// Bulk little-endian appends onto byte buffers, the building blocks of every encoder here.
extension Array where Element == UInt8 {
    /// Appends the raw bytes of `values` (little-endian on every platform Swift runs on here).
    @inlinable
    mutating func appendRaw<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) {
        let raw = UnsafeRawBufferPointer(values)
        append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
    }

    /// Appends `value` as 4 little-endian bytes.
    @inlinable
    mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// Appends `value` as an unsigned LEB128 varint.
    @inlinable
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// Overwrites 4 bytes at `offset` with `value`, little-endian.
    @inlinable
    mutating func storeUInt32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 3] = UInt8(truncatingIfNeeded: value >> 24)
    }
}

/// Little-endian bytes of single values, for statistics.
enum PlainBytes {
    static func of<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func of(_ value: Double) -> [UInt8] {
        of(value.bitPattern)
    }
}
