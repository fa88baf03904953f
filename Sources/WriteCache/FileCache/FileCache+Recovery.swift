import Platform
#if canImport(Glibc)
import Glibc
#endif

extension FileCache {
    /// A file recovery indexes: its key, size and modification time (nanoseconds).
    typealias RecoveredFile = (key: FileKey, size: UInt64, modified: Int)

    /// Lists the cache directory: the cache's files to index; its temp files and unreadable
    /// files removed and counted; anything else counted as foreign and left alone.
    ///
    /// Nothing is ever removed recursively: a directory is never the cache's, wherever it is.
    static func recover(directory: String, temporary: String) throws(LocalFileError) -> (RecoveryReport, [RecoveredFile]) {
        var report = RecoveryReport()
        var foreign: [String] = []
        for name in try LocalFiles.listDirectory(temporary) {
            let path = temporary + "/" + name
            // The temp directory is the cache's: every file (or link) in it is a write that never
            // committed. A directory there was made by someone else.
            if kind(of: path) == S_IFDIR || (try? LocalFiles.remove(path)) == nil {
                foreign.append("tmp/" + name)
            } else {
                report.removedTemporary += 1
            }
        }
        var files: [RecoveredFile] = []
        for name in try LocalFiles.listDirectory(directory) where name != "tmp" && name != "LOCK" && name != OrphanLedger.fileName {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue } // gone since the listing
            guard let key = FileKey(fileName: name), (info.st_mode & S_IFMT) == S_IFREG else {
                foreign.append(name)
                continue
            }
            guard let file = try? LocalFile.openForReading(path) else {
                if (try? LocalFiles.remove(path)) != nil {
                    report.removedUnreadable += 1
                } else {
                    foreign.append(name)
                }
                continue
            }
            // A file under the cache's name was committed whole (temp, fsync, rename); one that is
            // not was torn by a commit that skipped that discipline: never index it.
            let torn = tornReason(of: file, type: key.type, size: UInt64(info.st_size))
            file.close()
            if let torn {
                if (try? LocalFiles.remove(path)) != nil {
                    report.noteTorn(name, reason: torn)
                } else {
                    foreign.append(name)
                }
                continue
            }
            files.append((key, UInt64(info.st_size), Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)))
        }
        for name in foreign.sorted() { report.noteForeign(name) }
        return (report, files)
    }

    /// The file type bits of `path` (not following a link), or 0 when it cannot be read.
    private static func kind(of path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }
}
