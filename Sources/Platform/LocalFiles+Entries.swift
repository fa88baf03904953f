#if canImport(Glibc)
import Glibc
#endif

extension LocalFiles {
    /// A directory entry and its kind, as listing found it.
    public struct DirectoryEntry: Sendable, Equatable {
        /// What an entry is, not following links.
        public enum Kind: Sendable, Equatable {
            /// A regular file.
            case file
            /// A directory.
            case directory
            /// Anything else: a symbolic link, a socket, a device.
            case other
        }

        /// The entry's name.
        public var name: String
        /// Its kind.
        public var kind: Kind

        public init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// The entries of directory `path` (no `.` or `..`) with their kinds, in no particular
    /// order: the kind comes with the listing (`d_type`), so a file system that gives it needs
    /// no `lstat` per entry; one that does not gets one.
    public static func listDirectoryEntries(_ path: String) throws(LocalFileError) -> [DirectoryEntry] {
        guard let dir = opendir(path) else {
            throw LocalFileError(operation: "opendir", path: path, errno: Glibc.errno)
        }
        defer { closedir(dir) }
        var entries: [DirectoryEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let kind: DirectoryEntry.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_UNKNOWN):
                guard let status = try linkStatus(path + "/" + name) else { continue }
                kind = status.isRegularFile ? .file : status.isDirectory ? .directory : .other
            default: kind = .other
            }
            entries.append(DirectoryEntry(name: name, kind: kind))
        }
        return entries
    }
}

extension LocalFile {
    /// Size, kind and modification time of the open file (`fstat`).
    public func status() throws(LocalFileError) -> LocalFiles.FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw LocalFileError(operation: "fstat", path: path, errno: Glibc.errno)
        }
        return LocalFiles.FileStatus(info)
    }
}
