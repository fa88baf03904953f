public import ObjectStore
public import Platform

extension FileSystem {
    /// The size and SHA-256 of the file at `path`, read through this layer in 8 MiB pieces.
    ///
    /// Blocks: run it on the layer's executor.
    /// - Throws: ``LocalFileError`` when the file cannot be opened or read.
    public func digestOfFile(at path: String) throws(LocalFileError) -> (size: UInt64, checksum: Checksum) {
        let file = try openForReading(path)
        defer { close(file) }
        return try SHA256Accumulator.digest { (offset, count) throws(LocalFileError) in try read(file, at: offset, count: count) }
    }
}
