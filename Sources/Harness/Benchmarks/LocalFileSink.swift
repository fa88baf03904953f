import Platform
public import SSTFormat
import Synchronization

/// A ``ByteSink`` that appends to a new local file, for benchmarks that encode SSTs to disk
/// without the cache around them.
///
/// Each write is one positional write on the blocking-I/O pool. The file is created on the
/// first write (a producer that writes nothing leaves no file) and closed by ``close()``.
public final class LocalFileSink: ByteSink {
    /// The file's path.
    public let path: String
    private let state = Mutex<(file: LocalFile?, written: UInt64)>((nil, 0))

    public init(path: String) {
        self.path = path
    }

    /// Bytes appended so far.
    public var bytesWritten: UInt64 { state.withLock { $0.written } }

    /// Appends `bytes`.
    ///
    /// - Throws: ``LocalFileError`` when the file cannot be created or written.
    public func write(_ bytes: [UInt8]) async throws {
        let path = self.path
        let (file, offset): (LocalFile, UInt64) = try state.withLock { state in
            let file = try state.file ?? LocalFile.create(path)
            state.file = file
            let at = state.written
            state.written += UInt64(bytes.count)
            return (file, at)
        }
        try await BlockingIO.run { try file.write(bytes, at: offset) }
    }

    /// Closes the file, if one was created.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
        }
    }
}
