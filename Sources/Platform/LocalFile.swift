#if canImport(Glibc)
import Glibc
#endif

/// An open local file: positional reads and writes, `fsync`, close.
///
/// A value type around a file descriptor. Its methods block: call them inside
/// ``BlockingIO/run(_:)``. Closing is explicit; a `LocalFile` is closed exactly once by its owner.
public struct LocalFile: Sendable {
    /// The path the file was opened at (for error messages).
    public let path: String
    /// The raw descriptor.
    public let descriptor: Int32

    /// Opens an existing file for reading.
    public static func openForReading(_ path: String) throws(LocalFileError) -> LocalFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LocalFileError(operation: "open", path: path, errno: Glibc.errno) }
        return LocalFile(path: path, descriptor: fd)
    }

    /// Creates a new file for writing; fails if it exists (`O_EXCL`), so two writers never share one.
    public static func create(_ path: String) throws(LocalFileError) -> LocalFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LocalFileError(operation: "create", path: path, errno: Glibc.errno) }
        return LocalFile(path: path, descriptor: fd)
    }

    /// The file's current size in bytes.
    public func size() throws(LocalFileError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw LocalFileError(operation: "fstat", path: path, errno: Glibc.errno)
        }
        return UInt64(info.st_size)
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(LocalFileError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                let err = Glibc.errno
                if err == EINTR { continue }
                throw LocalFileError(operation: "pwrite", path: path, errno: err)
            }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        let result: Result<Void, LocalFileError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(LocalFileError) in try write(buffer, at: offset) }
        }
        try result.get()
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    public func read(at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        var failure: LocalFileError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    let err = Glibc.errno
                    if err == EINTR { continue }
                    failure = LocalFileError(operation: "pread", path: path, errno: err)
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if let failure { throw failure }
        return bytes
    }

    /// Flushes the file's data and metadata to disk.
    public func sync() throws(LocalFileError) {
        if fsync(descriptor) != 0 {
            throw LocalFileError(operation: "fsync", path: path, errno: Glibc.errno)
        }
    }

    /// Closes the descriptor. Errors are ignored: the data's fate was settled by `sync()`.
    public func close() {
        _ = Glibc.close(descriptor)
    }
}

/// An exclusive advisory lock on a file (`flock`), held until ``release()`` or process exit.
///
/// Used so that two processes never open the same cache directory: the kernel drops the lock
/// when the holder dies, so a crashed process never leaves a stale lock behind.
public struct DirectoryLock: Sendable {
    /// The lock file's path.
    public let path: String
    let descriptor: Int32

    /// Takes the lock on `path` (created if missing) without waiting.
    ///
    /// - Throws: ``LocalFileError`` with code `locked` when another process holds it.
    public static func acquire(_ path: String) throws(LocalFileError) -> DirectoryLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LocalFileError(operation: "open", path: path, errno: Glibc.errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = Glibc.errno
            Glibc.close(fd)
            if err == EWOULDBLOCK {
                throw LocalFileError(
                    code: .locked, operation: "flock", path: path,
                    message: "'\(path)' is locked by another process: two processes cannot share one cache directory")
            }
            throw LocalFileError(operation: "flock", path: path, errno: err)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        return DirectoryLock(path: path, descriptor: fd)
    }

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Releases the lock.
    public func release() {
        _ = flock(descriptor, LOCK_UN)
        _ = Glibc.close(descriptor)
    }
}
