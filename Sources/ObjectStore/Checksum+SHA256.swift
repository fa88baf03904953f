import Crypto
import Foundation
public import Platform

extension Checksum {
    /// The SHA-256 of `bytes`, base64-encoded (S3's `x-amz-checksum-sha256` form).
    public static func sha256(of bytes: [UInt8]) -> Checksum {
        Checksum(algorithm: "sha256", value: Data(SHA256.hash(data: bytes)).base64EncodedString())
    }
}

/// Computes a SHA-256 checksum over chunks as they stream by.
public struct SHA256Accumulator {
    private var hasher = SHA256()

    public init() {}

    /// Adds `bytes` to the running hash.
    public mutating func update(_ bytes: [UInt8]) {
        hasher.update(data: bytes)
    }

    /// Adds the bytes in `buffer` to the running hash.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
    }

    /// The checksum of everything added so far.
    public func finalize() -> Checksum {
        Checksum(algorithm: "sha256", value: Data(hasher.finalize()).base64EncodedString())
    }
}

extension SHA256Accumulator {
    /// The size and SHA-256 of the local file at `path`, read in 8 MiB pieces.
    ///
    /// Blocks: call it inside `BlockingIO.run`.
    /// - Throws: ``LocalFileError`` when the file cannot be opened or read.
    public static func digestOfFile(at path: String) throws(LocalFileError) -> (size: UInt64, checksum: Checksum) {
        let file = try LocalFile.openForReading(path)
        defer { file.close() }
        return try digest { (offset, count) throws(LocalFileError) in try file.read(at: offset, count: count) }
    }

    /// The size and SHA-256 of the bytes `read` returns over `range` (to its end, or to the end
    /// of the file when that comes first), read in 8 MiB pieces: the one hashing loop behind
    /// every file digest, whatever layer the bytes come through.
    ///
    /// Blocks when `read` does.
    public static func digest(of range: Range<UInt64> = 0..<UInt64.max,
                              reading read: (_ offset: UInt64, _ count: Int) throws(LocalFileError) -> [UInt8])
        throws(LocalFileError) -> (size: UInt64, checksum: Checksum) {
        var hasher = SHA256Accumulator()
        var offset = range.lowerBound
        while offset < range.upperBound {
            let bytes = try read(offset, Int(min(8 << 20, range.upperBound - offset)))
            if bytes.isEmpty { break }
            hasher.update(bytes)
            offset += UInt64(bytes.count)
        }
        return (offset - range.lowerBound, hasher.finalize())
    }
}
