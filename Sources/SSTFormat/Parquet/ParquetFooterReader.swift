import Platform

/// Reads a Parquet file's footer: schema, row groups, statistics and key-value metadata.
///
/// Only the tail of the file is read (the 8-byte trailer, then the footer), so the metadata of a
/// cached SST is served without reading its pages or touching the remote store.
public enum ParquetFooterReader {
    /// Decodes the footer from the last bytes of a file.
    ///
    /// - Parameters:
    ///   - tail: the file's last bytes; at least the footer and the 8-byte trailer.
    ///   - context: the file's name or path, for error messages.
    /// - Returns: the file's metadata.
    /// - Throws: ``SSTFormatError`` `not_recognized` when the magic is missing, `corrupt` when the
    ///   footer is longer than `tail` or malformed.
    public static func decode(tail: [UInt8], context: String = "the file") throws(SSTFormatError) -> ParquetFileMetadata {
        let length = try footerLength(trailer: tail, context: context)
        guard length + 8 <= tail.count else {
            throw SSTFormatError(code: .corrupt, operation: "read parquet footer", path: context,
                                 message: "the footer of \(context) claims \(length) bytes but only \(tail.count - 8) precede the trailer")
        }
        let footer = Array(tail[(tail.count - 8 - length)..<(tail.count - 8)])
        return try ParquetFileMetadata.decode(footer, context: context)
    }

    /// The footer's length from a file's last 8 bytes (the trailer: length and `PAR1`).
    public static func footerLength(trailer: [UInt8], context: String = "the file") throws(SSTFormatError) -> Int {
        guard trailer.count >= 8, Array(trailer.suffix(4)) == ParquetWriter.magic else {
            throw SSTFormatError(code: .notRecognized, operation: "read parquet footer", path: context,
                                 message: "\(context) is not a Parquet file: it does not end with 'PAR1'")
        }
        let at = trailer.count - 8
        return Int(trailer[at]) | Int(trailer[at + 1]) << 8 | Int(trailer[at + 2]) << 16 | Int(trailer[at + 3]) << 24
    }

    /// Reads the footer of the local file at `path` (on the blocking-I/O pool).
    ///
    /// - Throws: ``SSTFormatError`` `io` when the file cannot be read (the ``LocalFileError`` is the
    ///   cause), `not_recognized` or `corrupt` as ``decode(tail:context:)``.
    public static func read(path: String) async throws -> ParquetFileMetadata {
        let tail: [UInt8] = try await BlockingIO.run {
            do {
                let file = try LocalFile.openForReading(path)
                defer { file.close() }
                let size = try file.size()
                guard size >= 12 else {
                    throw SSTFormatError(code: .notRecognized, operation: "read parquet footer", path: path,
                                         message: "'\(path)' is not a Parquet file: it has only \(size) bytes")
                }
                let trailer = try file.read(at: size - 8, count: 8)
                let length = try footerLength(trailer: trailer, context: path)
                guard UInt64(length) + 12 <= size else {
                    throw SSTFormatError(code: .corrupt, operation: "read parquet footer", path: path,
                                         message: "the footer of '\(path)' claims \(length) bytes, more than the file holds")
                }
                return try file.read(at: size - 8 - UInt64(length), count: length + 8)
            } catch let error as LocalFileError {
                throw SSTFormatError(code: .io, operation: "read parquet footer", path: path,
                                     message: "cannot read the footer of '\(path)': \(error.message)", cause: error)
            }
        }
        return try decode(tail: tail, context: path)
    }
}
