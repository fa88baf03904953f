@testable import SSTFormat
import Testing

extension SSTFormatSuite {
    @Suite("Thrift compact protocol")
    struct ThriftCompactTests {
        @Test("field-id deltas over 15, negative and extreme integers, long lists and nested structs decode back")
        func roundTrip() throws {
            var e = ThriftCompactEncoder()
            e.i32(1, -1)
            e.i64(2, Int64.min)
            e.i64(20, Int64.max)  // delta 18: long-form header
            e.bool(21, true)
            e.bool(22, false)
            e.string(23, "héllo")
            e.i32List(24, Array(-10...10))  // 21 elements: long-form list header
            e.structure(25) { e in
                e.i8(1, -5)
                e.i16(3, -300)
            }
            e.i32(26, Int32.max)
            e.stop()

            var d = ThriftCompactDecoder(e.bytes, context: "test")
            var seen: [Int16] = []
            while let field = try d.nextField() {
                seen.append(field.id)
                switch field.id {
                case 1: #expect(try d.readI32() == -1)
                case 2: #expect(try d.readI64() == Int64.min)
                case 20: #expect(try d.readI64() == Int64.max)
                case 21: #expect(try d.readBool() == true)
                case 22: #expect(try d.readBool() == false)
                case 23: #expect(try d.readString() == "héllo")
                case 24:
                    let header = try d.readListHeader()
                    #expect(header.element == .i32)
                    #expect(try (0..<header.count).map { _ in try d.readI32() } == Array(-10...10))
                case 25:
                    d.beginStruct()
                    var inner: [Int16] = []
                    while let f = try d.nextField() {
                        inner.append(f.id)
                        if f.id == 1 { #expect(try d.readI8() == -5) } else { #expect(try d.readI64() == -300) }
                    }
                    d.endStruct()
                    #expect(inner == [1, 3])
                case 26: #expect(try d.readI32() == Int32.max)
                default: Issue.record("unexpected field \(field.id)")
                }
            }
            #expect(seen == [1, 2, 20, 21, 22, 23, 24, 25, 26])
            #expect(d.position == e.bytes.count)
        }

        @Test("unknown fields of every kind are skipped")
        func skipsUnknownFields() throws {
            var e = ThriftCompactEncoder()
            e.string(1, "skip me")
            e.stringList(2, ["a", "b"])
            e.structure(3) { e in e.bool(1, true); e.binary(2, [1, 2, 3]) }
            e.i64(4, 99)
            e.stop()
            var d = ThriftCompactDecoder(e.bytes, context: "test")
            var last: Int64?
            while let field = try d.nextField() {
                if field.id == 4 { last = try d.readI64() } else { try d.skip(field.type) }
            }
            #expect(last == 99)
        }

        @Test("truncated input throws instead of reading past the end")
        func truncated() {
            var e = ThriftCompactEncoder()
            e.string(1, "a long enough string")
            e.stop()
            var d = ThriftCompactDecoder(Array(e.bytes.prefix(6)), context: "test")
            #expect(throws: SSTFormatError.self) {
                while let field = try d.nextField() { try d.skip(field.type) }
            }
        }
    }
}
