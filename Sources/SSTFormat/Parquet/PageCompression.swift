import CZstd

/// How Parquet pages are compressed.
public enum ParquetCompression: Sendable, Equatable {
    /// Pages stored as encoded (the default: the fastest to write and to read).
    case uncompressed
    /// Each page compressed as one Zstandard frame at `level` (libzstd).
    case zstd(level: Int32)

    /// The `CompressionCodec` of the format.
    var codec: Int32 {
        switch self {
        case .uncompressed: 0
        case .zstd: 6
        }
    }
}

/// A reusable libzstd compression context.
///
/// Owned by one column encoder (one writer, one task at a time); the context is freed with it.
final class ZstdCompressor {
    private let context: OpaquePointer
    private let level: Int32

    /// A context compressing at `level`.
    ///
    /// - Throws: ``SSTFormatError`` (`invalid_input`) for a level libzstd does not support, `io`
    ///   when the context cannot be allocated.
    init(level: Int32) throws(SSTFormatError) {
        guard level >= ZSTD_minCLevel(), level <= ZSTD_maxCLevel() else {
            throw SSTFormatError(code: .invalidInput, operation: "create zstd compressor",
                                 message: "zstd level \(level) is outside \(ZSTD_minCLevel())...\(ZSTD_maxCLevel())")
        }
        guard let context = ZSTD_createCCtx() else {
            throw SSTFormatError(code: .io, operation: "create zstd compressor", message: "libzstd could not allocate a compression context")
        }
        self.context = context
        self.level = level
    }

    deinit {
        ZSTD_freeCCtx(context)
    }

    /// Replaces `output`'s contents with `input` compressed as one frame.
    ///
    /// - Throws: ``SSTFormatError`` (`io`) when libzstd reports an error.
    func compress(_ input: [UInt8], into output: inout [UInt8]) throws(SSTFormatError) {
        let bound = ZSTD_compressBound(input.count)
        if output.count < bound {
            output.append(contentsOf: repeatElement(0, count: bound - output.count))
        }
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                ZSTD_compressCCtx(context, target.baseAddress, target.count, source.baseAddress, source.count, level)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw SSTFormatError(code: .io, operation: "compress page",
                                 message: "zstd failed to compress a \(input.count)-byte page: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeLast(output.count - written)
    }
}
