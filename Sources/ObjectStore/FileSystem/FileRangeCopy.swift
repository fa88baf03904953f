#if canImport(Glibc)
import Glibc
#endif
import Platform

/// Copies bytes between two open files in the kernel with `copy_file_range(2)` where it can,
/// else with `pread`/`pwrite` through a 1 MiB buffer.
///
/// Swift's Glibc module does not import `copy_file_range`, so it is looked up once with
/// `dlsym`; a kernel or file system that refuses it (`ENOSYS`, `EXDEV`, `EINVAL`,
/// `EOPNOTSUPP`) falls back to the plain copy for the rest of the call. Blocks: call it inside
/// ``BlockingIO/run(_:)``.
enum FileRangeCopy {
    private typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int

    private static let kernelCopy: CopyFileRange? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "copy_file_range") else { return nil }
        return unsafeBitCast(symbol, to: CopyFileRange.self)
    }()

    /// Whether this system has `copy_file_range` at all (the tests report which path ran).
    static var hasKernelCopy: Bool { kernelCopy != nil }

    /// Copies up to `count` bytes from `source` at `sourceOffset` to `destination` at
    /// `destinationOffset`.
    ///
    /// - Returns: the bytes copied: fewer than `count` only when `source` ends first.
    /// - Errors: ``LocalFileError`` naming the file whose read or write failed.
    static func copy(from source: LocalFile, at sourceOffset: UInt64, to destination: LocalFile, at destinationOffset: UInt64,
                     count: UInt64) throws(LocalFileError) -> UInt64 {
        var copied: UInt64 = 0
        if let kernelCopy {
            var input = Int64(sourceOffset)
            var output = Int64(destinationOffset)
            while copied < count {
                let n = kernelCopy(source.descriptor, &input, destination.descriptor, &output, Int(min(count - copied, 1 << 30)), 0)
                if n > 0 {
                    copied += UInt64(n)
                    continue
                }
                if n == 0 { return copied }
                let err = errno
                if err == EINTR { continue }
                if err == ENOSYS || err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == EBADF { break }
                throw LocalFileError(operation: "copy_file_range", path: "\(source.path) -> \(destination.path)", errno: err)
            }
            if copied == count { return copied }
        }
        // The plain copy, for what the kernel copy did not do.
        let block = 1 << 20
        while copied < count {
            let bytes = try source.read(at: sourceOffset + copied, count: Int(min(UInt64(block), count - copied)))
            if bytes.isEmpty { break }
            try destination.write(bytes, at: destinationOffset + copied)
            copied += UInt64(bytes.count)
        }
        return copied
    }
}
