#if canImport(Glibc)
import Glibc
#endif

/// Synchronous helpers for local files and directories.
///
/// Every function here blocks; call them inside ``BlockingIO/run(_:)``.
public enum LocalFiles {
    /// Creates `path` and any missing parents.
    public static func createDirectories(_ path: String) throws(LocalFileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, 0o755) != 0 {
                let err = Glibc.errno
                if err == EEXIST, isDirectory(current) { continue }
                throw LocalFileError(operation: "mkdir", path: current, errno: err)
            }
        }
    }

    /// Whether `path` exists and is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in directory `path` (no `.` or `..`), in no particular order.
    public static func listDirectory(_ path: String) throws(LocalFileError) -> [String] {
        guard let dir = opendir(path) else {
            throw LocalFileError(operation: "opendir", path: path, errno: Glibc.errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Size and kind of a file.
    public struct FileStatus: Sendable, Equatable {
        /// Size in bytes.
        public var size: UInt64
        /// Whether it is a regular file.
        public var isRegularFile: Bool
        /// Whether it is a directory.
        public var isDirectory: Bool
        /// Last modification time, nanoseconds since the epoch (a logical clock in memory).
        public var modifiedNanoseconds: Int

        /// Creates a status.
        public init(size: UInt64, isRegularFile: Bool, isDirectory: Bool, modifiedNanoseconds: Int = 0) {
            self.size = size
            self.isRegularFile = isRegularFile
            self.isDirectory = isDirectory
            self.modifiedNanoseconds = modifiedNanoseconds
        }

        init(_ info: stat) {
            let kind = info.st_mode & S_IFMT
            self.init(size: UInt64(info.st_size), isRegularFile: kind == S_IFREG, isDirectory: kind == S_IFDIR,
                      modifiedNanoseconds: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec))
        }
    }

    /// The status of `path`, or `nil` when it does not exist.
    public static func status(_ path: String) throws(LocalFileError) -> FileStatus? {
        var info = stat()
        if stat(path, &info) != 0 {
            let err = Glibc.errno
            if err == ENOENT || err == ENOTDIR { return nil }
            throw LocalFileError(operation: "stat", path: path, errno: err)
        }
        return FileStatus(info)
    }

    /// The status of `path` itself, not following a symbolic link (`lstat`: a link is neither a
    /// regular file nor a directory), or `nil` when it does not exist.
    public static func linkStatus(_ path: String) throws(LocalFileError) -> FileStatus? {
        var info = stat()
        if lstat(path, &info) != 0 {
            let err = Glibc.errno
            if err == ENOENT || err == ENOTDIR { return nil }
            throw LocalFileError(operation: "lstat", path: path, errno: err)
        }
        return FileStatus(info)
    }

    /// Removes file `path`.
    ///
    /// - Returns: `true` if a file was removed, `false` if there was none.
    @discardableResult
    public static func remove(_ path: String) throws(LocalFileError) -> Bool {
        if unlink(path) == 0 { return true }
        let err = Glibc.errno
        if err == ENOENT { return false }
        throw LocalFileError(operation: "unlink", path: path, errno: err)
    }

    /// Removes `path` and, if it is a directory, everything under it.
    /// A symbolic link is removed itself, never followed.
    public static func removeTree(_ path: String) throws(LocalFileError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            let err = Glibc.errno
            if err == ENOENT { return }
            throw LocalFileError(operation: "lstat", path: path, errno: err)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) {
                try removeTree(path + "/" + name)
            }
            if rmdir(path) != 0 {
                throw LocalFileError(operation: "rmdir", path: path, errno: Glibc.errno)
            }
        } else {
            try remove(path)
        }
    }

    /// Renames `source` to `destination`, replacing it atomically if it exists.
    public static func rename(_ source: String, to destination: String) throws(LocalFileError) {
        if Glibc.rename(source, destination) != 0 {
            throw LocalFileError(operation: "rename", path: "\(source) -> \(destination)", errno: Glibc.errno)
        }
    }

    /// Flushes directory `path` to disk, so renames and unlinks in it survive a crash.
    public static func syncDirectory(_ path: String) throws(LocalFileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw LocalFileError(operation: "open", path: path, errno: Glibc.errno) }
        defer { close(fd) }
        if fsync(fd) != 0 {
            throw LocalFileError(operation: "fsync", path: path, errno: Glibc.errno)
        }
    }

    /// Creates a unique, empty temporary directory whose name starts with `prefix`.
    public static func makeTemporaryDirectory(prefix: String = "flushbench") throws(LocalFileError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else {
            throw LocalFileError(operation: "mkdtemp", path: base, errno: Glibc.errno)
        }
        return String(cString: made)
    }
}
