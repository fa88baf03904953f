/// The RLE / bit-packing hybrid of Parquet's `Encodings.md`, used for dictionary indices and
/// definition levels.
///
/// Runs of 8 or more equal values become RLE runs; everything between them is bit-packed in
/// groups of 8 (the last group padded with zeros; readers stop at the page's value count). Runs
/// shorter than 8, or too short after topping up the pending literal to a group boundary, stay
/// in the literal. Tags of a sorted flush are long runs, so their pages are mostly RLE headers.
enum RLEHybridEncoder {
    /// The bits needed for values up to `maxValue` (at least 1).
    static func bitWidth(forMax maxValue: UInt32) -> Int {
        max(1, UInt32.bitWidth - maxValue.leadingZeroBitCount)
    }

    /// Appends `values` encoded with `bitWidth` bits to `out` (no length prefix, no width byte).
    static func encode(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into out: inout [UInt8]) {
        let n = values.count
        var i = 0
        var literalStart = 0
        while i < n {
            let v = values[i]
            var j = i + 1
            while j < n && values[j] == v { j += 1 }
            let run = j - i
            if run >= 8 {
                var runStart = i
                let pending = i - literalStart
                if pending > 0 {
                    let pad = (8 - pending % 8) % 8
                    if run - pad < 8 {
                        i = j
                        continue
                    }
                    runStart = i + pad
                    bitPack(values, from: literalStart, to: runStart, bitWidth: bitWidth, into: &out)
                }
                out.appendVarint(UInt64(j - runStart) << 1)
                var value = v
                for _ in 0..<((bitWidth + 7) / 8) {
                    out.append(UInt8(truncatingIfNeeded: value))
                    value >>= 8
                }
                literalStart = j
            }
            i = j
        }
        if literalStart < n {
            bitPack(values, from: literalStart, to: n, bitWidth: bitWidth, into: &out)
        }
    }

    /// One bit-packed run of `values[start..<end]`, padded with zeros to a multiple of 8 values.
    private static func bitPack(_ values: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, bitWidth: Int, into out: inout [UInt8]) {
        let groups = (end - start + 7) / 8
        out.appendVarint(UInt64(groups) << 1 | 1)
        var accumulator: UInt64 = 0
        var bits = 0
        for k in start..<(start + groups * 8) {
            let value = k < end ? UInt64(values[k]) : 0
            accumulator |= value << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                bits -= 8
            }
        }
    }
}
