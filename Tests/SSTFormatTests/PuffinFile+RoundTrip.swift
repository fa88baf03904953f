import Foundation
import SSTFormat
import Synchronization
import Testing

extension SSTFormatSuite {
    @Suite("Puffin files")
    struct PuffinFileTests {
        @Test("blobs and properties written are read back byte for byte")
        func roundTrip() async throws {
            let dir = try makeTemporaryDirectory("puffin")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let sink = FileByteSink(path: dir + "/i.puffin")
            var writer = PuffinWriter(sink: sink)
            let first: [UInt8] = Array(0..<200)
            let second: [UInt8] = Array(repeating: 7, count: 5000)
            try await writer.add(first, type: "a-v1", fields: [1], properties: ["x": "1"])
            try await writer.add(second, type: "b-v1", fields: [2, 3])
            let written = try await writer.finish(properties: ["owner": "test"])
            sink.close()

            let (metadata, blobs) = try await PuffinReader.read(path: dir + "/i.puffin")
            #expect(metadata == written)
            #expect(blobs == [first, second])
            #expect(metadata.blobs.map(\.offset) == [4, 204])
            #expect(metadata.properties?["owner"] == "test")
            #expect(metadata.properties?["created-by"] != nil)

            // The layout of the spec: magic, blobs, magic, JSON, payload size, flags, magic.
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/i.puffin")))
            #expect(Array(bytes.prefix(4)) == Array("PFA1".utf8))
            #expect(Array(bytes.suffix(4)) == Array("PFA1".utf8))
            #expect(Array(bytes[(bytes.count - 8)..<(bytes.count - 4)]) == [0, 0, 0, 0])
            let size = Int(bytes[bytes.count - 12]) | Int(bytes[bytes.count - 11]) << 8 | Int(bytes[bytes.count - 10]) << 16
            let payload = bytes[(bytes.count - 12 - size)..<(bytes.count - 12)]
            #expect(Array(bytes[(bytes.count - 16 - size)..<(bytes.count - 12 - size)]) == Array("PFA1".utf8))
            let json = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
            let blobList = json?["blobs"] as? [[String: Any]]
            #expect(blobList?.count == 2)
            let keys = Set(blobList?.first.map { Array($0.keys) } ?? [])
            #expect(keys.isSuperset(of: ["type", "fields", "snapshot-id", "sequence-number", "offset", "length"]))
            #expect(4 + 200 + 5000 + 4 + size + 12 == bytes.count)
        }

        @Test("a file without blobs is still a valid Puffin file")
        func emptyFile() async throws {
            let sink = MemorySink()
            var writer = PuffinWriter(sink: sink)
            try await writer.finish()
            let (metadata, blobs) = try PuffinReader.decode(file: sink.bytes)
            #expect(metadata.blobs.isEmpty)
            #expect(blobs.isEmpty)
        }

        @Test("bytes that are not Puffin are rejected")
        func rejectsNonPuffin() throws {
            let error = #expect(throws: SSTFormatError.self) { try PuffinReader.decode(file: Array("PAR1 something PAR1".utf8)) }
            #expect(error?.code == .notRecognized)
        }

        @Test("a blob pointing past the blob area is reported as corrupt")
        func rejectsBlobOutsideFile() async throws {
            let sink = MemorySink()
            var writer = PuffinWriter(sink: sink)
            try await writer.add([1, 2, 3], type: "t", fields: [0])
            try await writer.finish()
            // Point the blob's offset into the footer by editing the JSON (same length).
            let text = String(decoding: sink.bytes, as: UTF8.self).replacingOccurrences(of: "\"offset\":4", with: "\"offset\":9")
            let error = #expect(throws: SSTFormatError.self) { try PuffinReader.decode(file: Array(text.utf8)) }
            #expect(error?.code == .corrupt)
        }
    }
}

/// A sink that keeps the bytes in memory.
final class MemorySink: ByteSink {
    private let storage = Mutex<[UInt8]>([])
    var bytes: [UInt8] { storage.withLock { $0 } }
    var bytesWritten: UInt64 { UInt64(storage.withLock { $0.count }) }
    func write(_ bytes: [UInt8]) async throws {
        storage.withLock { $0.append(contentsOf: bytes) }
    }
}
