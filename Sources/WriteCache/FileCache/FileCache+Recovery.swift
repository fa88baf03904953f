import Platform

extension FileCache {
    /// A file recovery indexes: its key, size and modification time (nanoseconds).
    typealias RecoveredFile = (key: FileKey, size: UInt64, modified: Int)

    /// What recovery found out about one file named as the cache names it.
    enum Verdict: Sendable {
        case whole(size: UInt64, modified: Int)
        case torn(String)
        case unreadable
        case foreign
        case gone
    }

    /// Files validated per blocking call, and such calls in flight at once.
    static let validationChunk = 1024
    static let validationConcurrency = 4

    /// Lists the cache directory: the cache's files to index; its temp files and unreadable or
    /// torn files removed and counted; anything else counted as foreign and left alone. Every
    /// call goes through `fs`; the files are validated in chunks, several at once on `io`.
    ///
    /// Nothing is ever removed recursively: a directory is never the cache's, wherever it is.
    static func recover(directory: String, temporary: String, fileSystem fs: any FileSystem,
                        io: BlockingExecutor) async throws -> (RecoveryReport, [RecoveredFile]) {
        let (listed, candidates) = try await io.run { () throws -> (RecoveryReport, [(key: FileKey, name: String)]) in
            var report = RecoveryReport()
            for entry in try fs.listDirectoryEntries(temporary) {
                // The temp directory is the cache's: every file (or link) in it is a write that never
                // committed. A directory there was made by someone else.
                if entry.kind == .directory || (try? fs.remove(temporary + "/" + entry.name)) == nil {
                    report.foreignNames.append("tmp/" + entry.name)
                } else {
                    report.removedTemporary += 1
                }
            }
            var candidates: [(key: FileKey, name: String)] = []
            for entry in try fs.listDirectoryEntries(directory)
            where entry.name != "tmp" && entry.name != "LOCK" && entry.name != OrphanLedger.fileName {
                guard entry.kind == .file, let key = FileKey(fileName: entry.name) else {
                    report.foreignNames.append(entry.name)
                    continue
                }
                candidates.append((key, entry.name))
            }
            return (report, candidates)
        }
        let chunks = stride(from: 0, to: candidates.count, by: validationChunk).map {
            Array(candidates[$0..<min($0 + validationChunk, candidates.count)])
        }
        let verdicts = try await BoundedConcurrency.map(chunks, limit: io == .inline ? 1 : validationConcurrency) { chunk in
            try await io.run { chunk.map { validate(directory + "/" + $0.name, type: $0.key.type, in: fs) } }
        }.flatMap { $0 }
        return try await io.run {
            var report = listed
            var foreign = report.foreignNames
            report.foreignNames = []
            var files: [RecoveredFile] = []
            for ((key, name), verdict) in zip(candidates, verdicts) {
                switch verdict {
                case .whole(let size, let modified): files.append((key, size, modified))
                case .gone: continue
                case .foreign: foreign.append(name)
                case .unreadable:
                    if (try? fs.remove(directory + "/" + name)) != nil { report.removedUnreadable += 1 } else { foreign.append(name) }
                case .torn(let reason):
                    // A file under the cache's name was committed whole (temp, fsync, rename); one
                    // that is not was torn by a commit that skipped that discipline: never index it.
                    if (try? fs.remove(directory + "/" + name)) != nil { report.noteTorn(name, reason: reason) } else { foreign.append(name) }
                }
            }
            for name in foreign.sorted() { report.noteForeign(name) }
            return (report, files)
        }
    }

    /// Opens, `fstat`s and checks one file (see ``tornReason(of:in:type:size:)``).
    static func validate(_ path: String, type: FileType, in fs: any FileSystem) -> Verdict {
        let file: LocalFileHandle
        do {
            file = try fs.openForReading(path)
        } catch {
            return error.code == .notFound ? .gone : .unreadable
        }
        defer { fs.close(file) }
        guard let status = try? fs.status(of: file) else { return .unreadable }
        guard status.isRegularFile else { return .foreign }
        if let torn = tornReason(of: file, in: fs, type: type, size: status.size) { return .torn(torn) }
        return .whole(size: status.size, modified: status.modifiedNanoseconds)
    }
}
