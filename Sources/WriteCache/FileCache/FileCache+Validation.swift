public import Platform

extension FileCache {
    /// Why a cache file is not whole, or `nil` when it is: recovery's check of what it indexes.
    ///
    /// A committed file was written to a temp file, fsync'd and renamed, so a file under the
    /// cache's name must be complete. Checked from the file's size and its last bytes, without
    /// reading it all: a Parquet file starts and ends with `PAR1` and its footer length (the 4
    /// bytes before the trailing magic) fits in the file; a Puffin file starts and ends with
    /// `PFA1`, and its footer payload length fits in the file with the footer's opening `PFA1`
    /// where that length puts it.
    ///
    /// - Parameters:
    ///   - file: the open file.
    ///   - fs: the layer it was opened through.
    ///   - type: the file's type, from its name.
    ///   - size: its size as `lstat` reported it.
    /// - Returns: a sentence naming what is wrong, or `nil`.
    static func tornReason(of file: LocalFileHandle, in fs: any FileSystem, type: FileType, size: UInt64) -> String? {
        let magic: [UInt8] = type == .parquet ? Array("PAR1".utf8) : Array("PFA1".utf8)
        // Parquet: PAR1 + data + footer + length(4) + PAR1. Puffin: PFA1 + blobs + PFA1 + payload + length(4) + flags(4) + PFA1.
        let trailer = type == .parquet ? 8 : 12
        let minimum = UInt64(type == .parquet ? 12 : 20)
        guard size >= minimum else { return "\(size) bytes, fewer than the smallest \(type) file (\(minimum))" }
        guard let head = try? fs.read(file, at: 0, count: 4), head == magic else { return "it does not start with '\(String(decoding: magic, as: UTF8.self))'" }
        guard let tail = try? fs.read(file, at: size - UInt64(trailer), count: trailer), tail.count == trailer else { return "its trailer cannot be read" }
        guard Array(tail.suffix(4)) == magic else { return "it does not end with '\(String(decoding: magic, as: UTF8.self))' (cut short)" }
        let length = UInt64(tail[0]) | UInt64(tail[1]) << 8 | UInt64(tail[2]) << 16 | UInt64(tail[3]) << 24
        switch type {
        case .parquet:
            guard length + 8 + 4 <= size else { return "its footer claims \(length) bytes but the file has \(size)" }
        case .puffin:
            guard length + 12 + 4 + 4 <= size else { return "its footer claims a \(length)-byte payload but the file has \(size)" }
            guard let opening = try? fs.read(file, at: size - 12 - length - 4, count: 4), opening == magic else {
                return "its footer does not open with 'PFA1' where its length says"
            }
        }
        return nil
    }

    /// Whether the file at `path` is whole (see ``tornReason(of:in:type:size:)``); for checks
    /// outside recovery (crash trials), on the calling thread, through `fileSystem`.
    ///
    /// - Returns: `nil` when whole, else why not (including "cannot be read").
    public static func tornReason(path: String, type: FileType, fileSystem: any FileSystem = PosixFileSystem()) -> String? {
        guard let file = try? fileSystem.openForReading(path) else { return "it cannot be opened" }
        defer { fileSystem.close(file) }
        guard let size = try? fileSystem.size(of: file) else { return "its size cannot be read" }
        return tornReason(of: file, in: fileSystem, type: type, size: size)
    }
}
