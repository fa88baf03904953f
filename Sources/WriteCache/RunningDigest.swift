import ObjectStore
import Platform
import Synchronization

/// The SHA-256 of a file that concurrent ranged downloads fill out of order, computed while it
/// fills: ranges are hashed in file order as soon as each and all before it have landed.
///
/// One task consumes the landed ranges; it reads each back in 1 MiB blocks on the
/// blocking-I/O pool (the bytes are still in the page cache), never on the cooperative pool.
/// Memory: one block.
final class RunningDigest: Sendable {
    private let continuation: AsyncStream<Range<UInt64>>.Continuation
    private let task: Task<Checksum, any Error>

    /// Starts hashing the file at `path`, which will hold `size` bytes.
    init(path: String, size: UInt64) {
        let (stream, continuation) = AsyncStream.makeStream(of: Range<UInt64>.self)
        self.continuation = continuation
        self.task = Task {
            let reader = try await BlockingIO.run { try LocalFile.openForReading(path) }
            defer { reader.close() }
            var pending: [UInt64: UInt64] = [:]
            var hashedThrough: UInt64 = 0
            // Used by one hashing step at a time; the lock only makes it shareable with the pool.
            let hasher = Mutex(SHA256Accumulator())
            for await range in stream {
                pending[range.lowerBound] = range.upperBound
                while let upper = pending.removeValue(forKey: hashedThrough) {
                    let lower = hashedThrough
                    try await BlockingIO.run {
                        var offset = lower
                        while offset < upper {
                            let block = try reader.read(at: offset, count: Int(min(1 << 20, upper - offset)))
                            guard !block.isEmpty else {
                                throw LocalFileError(code: .io, operation: "read", path: path,
                                                     message: "read '\(path)': the file ends at \(offset), before \(upper)")
                            }
                            hasher.withLock { $0.update(block) }
                            offset += UInt64(block.count)
                        }
                    }
                    hashedThrough = upper
                }
                if hashedThrough == size { break }
            }
            guard hashedThrough == size else { throw CancellationError() }
            return hasher.withLock { $0.finalize() }
        }
        if size == 0 { continuation.finish() }
    }

    /// Records that `range` has landed in the file.
    func landed(_ range: Range<UInt64>) {
        continuation.yield(range)
    }

    /// The digest, once every range landed.
    func result() async throws -> Checksum {
        continuation.finish()
        return try await task.value
    }

    /// Stops hashing (the download failed) and waits for the reader to close.
    func cancel() async {
        continuation.finish()
        task.cancel()
        _ = try? await task.value
    }
}
