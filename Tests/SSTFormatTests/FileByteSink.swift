import Platform
import SSTFormat
import Synchronization

/// A ``ByteSink`` that appends to a local file: the tests' stand-in for the cache's atomic writer.
final class FileByteSink: ByteSink {
    let path: String
    private let state: Mutex<(file: LocalFile?, written: UInt64, writes: Int)>

    /// Creates the file lazily, on the first write, so a sink that gets no bytes leaves no file.
    init(path: String) {
        self.path = path
        self.state = Mutex((nil, 0, 0))
    }

    var bytesWritten: UInt64 { state.withLock { $0.written } }

    /// Calls of ``write(_:)`` so far.
    var writeCount: Int { state.withLock { $0.writes } }

    func write(_ bytes: [UInt8]) async throws {
        let path = self.path
        let (file, offset): (LocalFile, UInt64) = try state.withLock { state in
            if state.file == nil { state.file = try LocalFile.create(path) }
            let at = state.written
            state.written += UInt64(bytes.count)
            state.writes += 1
            return (state.file!, at)
        }
        try await BlockingIO.run { try file.write(bytes, at: offset) }
    }

    /// Closes the file (if one was created).
    func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
        }
    }
}
