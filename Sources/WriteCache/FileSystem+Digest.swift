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
        var hasher = SHA256Accumulator()
        var offset: UInt64 = 0
        while true {
            let bytes = try read(file, at: offset, count: 8 << 20)
            if bytes.isEmpty { break }
            hasher.update(bytes)
            offset += UInt64(bytes.count)
        }
        return (offset, hasher.finalize())
    }
}
