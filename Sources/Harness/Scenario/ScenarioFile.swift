import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a scenario file's bytes, saying exactly what a path is when it is not a readable
/// regular file of sensible size.
///
/// The file is opened non-blocking and checked with `fstat` on the open descriptor before a byte
/// is read, so a FIFO or a device never blocks the reader, `/dev/zero` is not read forever, and
/// the type checked is the type read.
enum ScenarioFile {
    /// The largest scenario file read (1 MiB; the shipped ones are a few KiB).
    static let maxBytes = 1 << 20

    /// The bytes of the regular file at `path`.
    ///
    /// - Throws: ``ScenarioError`` with code `unreadable` naming what the path is: missing, a
    ///   directory, a FIFO, a device, a socket, a symbolic link loop, unreadable, or too large.
    static func read(_ path: String) throws(ScenarioError) -> [UInt8] {
        func fail(_ message: String) -> ScenarioError {
            ScenarioError(code: "unreadable", file: path, issues: [ScenarioIssue(path: "", message: message)])
        }
        guard !path.isEmpty else { throw fail("an empty path is not a scenario file") }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail(openFailure(path, errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail("cannot inspect the file: \(String(cString: strerror(errno)))") }
        if let kind = nonRegularKind(status.st_mode) { throw fail("is \(kind), not a scenario file (a regular .json file)") }
        let size = Int(status.st_size)
        guard size <= maxBytes else { throw fail(tooLarge(size)) }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var filled = 0
        while filled <= maxBytes {
            let count = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress! + filled, maxBytes + 1 - filled)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read the file: \(String(cString: strerror(errno)))")
            }
            filled += count
        }
        guard filled <= maxBytes else { throw fail(tooLarge(filled)) }
        return Array(bytes[..<filled])
    }

    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    /// What a file of type `mode` is, when it is not a regular file.
    private static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory (give the scenario files in it, e.g. DIR/*.json)"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device (such as /dev/zero or a terminal)"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    private static func tooLarge(_ size: Int) -> String {
        let shown = size > maxBytes ? "more than 1 MiB (\(Units.formatSize(UInt64(size))))" : Units.formatSize(UInt64(size))
        return "the file is \(shown); a scenario file may be at most 1 MiB (the shipped ones are a few KiB)"
    }

    /// Why `open` failed, in words that say what the path is.
    private static func openFailure(_ path: String, _ code: Int32) -> String {
        switch code {
        case ENOENT:
            var status = stat()
            if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
                return "is a symbolic link to a file that does not exist"
            }
            return "no such file"
        case ELOOP: return "is a symbolic link loop (too many levels of symbolic links)"
        case EACCES: return "permission denied: this user may not read the file (or search a directory on its path)"
        case ENOTDIR: return "a component of the path is not a directory"
        case ENAMETOOLONG: return "the path is too long"
        case ENXIO: return "is a socket or a device with nothing behind it"
        default: return "cannot open the file: \(String(cString: strerror(code)))"
        }
    }
}
