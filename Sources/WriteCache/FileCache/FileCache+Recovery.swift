import Platform

extension FileCache {
    /// A file recovery indexes: its key, size and modification time (nanoseconds).
    typealias RecoveredFile = (key: FileKey, size: UInt64, modified: Int)

    /// Lists the cache directory: the cache's files to index; its temp files and unreadable
    /// files removed and counted; anything else counted as foreign and left alone. Every call
    /// goes through `fs`.
    ///
    /// Nothing is ever removed recursively: a directory is never the cache's, wherever it is.
    static func recover(directory: String, temporary: String,
                        fileSystem fs: any FileSystem) throws(LocalFileError) -> (RecoveryReport, [RecoveredFile]) {
        var report = RecoveryReport()
        var foreign: [String] = []
        for name in try fs.listDirectory(temporary) {
            let path = temporary + "/" + name
            // The temp directory is the cache's: every file (or link) in it is a write that never
            // committed. A directory there was made by someone else.
            if (try? fs.status(path))??.isDirectory == true || (try? fs.remove(path)) == nil {
                foreign.append("tmp/" + name)
            } else {
                report.removedTemporary += 1
            }
        }
        var files: [RecoveredFile] = []
        for name in try fs.listDirectory(directory) where name != "tmp" && name != "LOCK" && name != OrphanLedger.fileName {
            let path = directory + "/" + name
            guard let info = try? fs.status(path) else { continue } // gone since the listing
            guard let key = FileKey(fileName: name), info.isRegularFile else {
                foreign.append(name)
                continue
            }
            guard let file = try? fs.openForReading(path) else {
                if (try? fs.remove(path)) != nil {
                    report.removedUnreadable += 1
                } else {
                    foreign.append(name)
                }
                continue
            }
            // A file under the cache's name was committed whole (temp, fsync, rename); one that is
            // not was torn by a commit that skipped that discipline: never index it.
            let torn = tornReason(of: file, in: fs, type: key.type, size: info.size)
            fs.close(file)
            if let torn {
                if (try? fs.remove(path)) != nil {
                    report.noteTorn(name, reason: torn)
                } else {
                    foreign.append(name)
                }
                continue
            }
            files.append((key, info.size, info.modifiedNanoseconds))
        }
        for name in foreign.sorted() { report.noteForeign(name) }
        return (report, files)
    }
}
