import Foundation
import Platform

/// Reads Puffin files: the JSON footer and the blobs it describes.
public enum PuffinReader {
    /// Decodes the footer from the last bytes of a file.
    ///
    /// - Parameters:
    ///   - tail: the file's last bytes: at least the footer (magic, payload, size, flags, magic).
    ///   - context: the file's name or path, for error messages.
    /// - Throws: ``SSTFormatError`` `not_recognized` when the magic is missing, `corrupt` when
    ///   the payload is compressed, truncated or not the spec's JSON.
    public static func decodeFooter(tail: [UInt8], context: String = "the file") throws(SSTFormatError) -> PuffinFileMetadata {
        let length = try payloadLength(tail: tail, context: context)
        let end = tail.count - Puffin.trailerLength
        guard length + 4 <= end else {
            throw SSTFormatError(code: .corrupt, operation: "read puffin footer", path: context,
                                 message: "the footer of \(context) claims a \(length)-byte payload but only \(end) bytes precede it")
        }
        guard Array(tail[(end - length - 4)..<(end - length)]) == Puffin.magic else {
            throw SSTFormatError(code: .corrupt, operation: "read puffin footer", path: context,
                                 message: "the footer of \(context) does not start with the magic 'PFA1'")
        }
        let flags = tail[end + 4]
        guard flags & Puffin.payloadCompressedFlag == 0 else {
            throw SSTFormatError(code: .corrupt, operation: "read puffin footer", path: context,
                                 message: "the footer payload of \(context) is LZ4-compressed, which this reader does not support")
        }
        do {
            return try JSONDecoder().decode(PuffinFileMetadata.self, from: Data(tail[(end - length)..<end]))
        } catch {
            throw SSTFormatError(code: .corrupt, operation: "read puffin footer", path: context,
                                 message: "the footer payload of \(context) is not valid Puffin metadata: \(error)")
        }
    }

    /// The footer payload's length from the file's last 12 bytes.
    static func payloadLength(tail: [UInt8], context: String) throws(SSTFormatError) -> Int {
        guard tail.count >= Puffin.trailerLength + 8, Array(tail.suffix(4)) == Puffin.magic else {
            throw SSTFormatError(code: .notRecognized, operation: "read puffin footer", path: context,
                                 message: "\(context) is not a Puffin file: it does not end with 'PFA1'")
        }
        let at = tail.count - Puffin.trailerLength
        let raw = UInt32(tail[at]) | UInt32(tail[at + 1]) << 8 | UInt32(tail[at + 2]) << 16 | UInt32(tail[at + 3]) << 24
        guard Int32(bitPattern: raw) >= 0 else {
            throw SSTFormatError(code: .corrupt, operation: "read puffin footer", path: context,
                                 message: "the footer of \(context) has a negative payload size")
        }
        return Int(raw)
    }

    /// Reads the whole Puffin file at `path`: its metadata and every blob's bytes, in footer order.
    ///
    /// - Throws: ``SSTFormatError`` `io` when the file cannot be read, `not_recognized` or
    ///   `corrupt` when it is not a valid Puffin file or a blob lies outside it.
    public static func read(path: String) async throws -> (metadata: PuffinFileMetadata, blobs: [[UInt8]]) {
        let bytes: [UInt8] = try await BlockingIO.run {
            do {
                let file = try LocalFile.openForReading(path)
                defer { file.close() }
                return try file.read(at: 0, count: Int(try file.size()))
            } catch let error as LocalFileError {
                throw SSTFormatError(code: .io, operation: "read puffin file", path: path,
                                     message: "cannot read '\(path)': \(error.message)", cause: error)
            }
        }
        return try decode(file: bytes, context: path)
    }

    /// Decodes a whole Puffin file held in memory.
    ///
    /// - Throws: ``SSTFormatError`` as ``read(path:)``.
    public static func decode(file bytes: [UInt8], context: String = "the file") throws(SSTFormatError) -> (metadata: PuffinFileMetadata, blobs: [[UInt8]]) {
        guard bytes.count >= 4, Array(bytes.prefix(4)) == Puffin.magic else {
            throw SSTFormatError(code: .notRecognized, operation: "read puffin file", path: context,
                                 message: "\(context) is not a Puffin file: it does not start with 'PFA1'")
        }
        let metadata = try decodeFooter(tail: bytes, context: context)
        let footerStart = bytes.count - Puffin.trailerLength - (try payloadLength(tail: bytes, context: context)) - 4
        var blobs: [[UInt8]] = []
        for blob in metadata.blobs {
            guard blob.offset >= 4, blob.length >= 0, blob.offset + blob.length <= Int64(footerStart) else {
                throw SSTFormatError(code: .corrupt, operation: "read puffin file", path: context,
                                     message: "a '\(blob.type)' blob of \(context) lies outside the file's blob area")
            }
            blobs.append(Array(bytes[Int(blob.offset)..<Int(blob.offset + blob.length)]))
        }
        return (metadata, blobs)
    }
}
