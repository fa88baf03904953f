import Platform

/// The cache's file layer with its changes counted on a ``CrashPoint``: creations, writes,
/// fsyncs of files and directories, renames and unlinks are operations a death can fall on
/// (reads, listings and status calls are not). A death on a write lets the point's cut of it
/// reach the disk first.
final class CrashPointFileSystem: FileSystem {
    let base: any FileSystem
    let point: CrashPoint

    init(wrapping base: any FileSystem, point: CrashPoint) {
        self.base = base
        self.point = point
    }

    var preferredExecutor: BlockingExecutor { base.preferredExecutor }

    func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle { try base.openForReading(path) }

    func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        point.tick("create", path)
        return try base.createExclusive(path)
    }

    func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64 { try base.size(of: handle) }

    func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        try base.read(handle, at: offset, count: count)
    }

    func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        if let death = point.tickWrite(handle.path, size: bytes.count) {
            if death.cut > 0 { try? base.write(handle, Array(bytes.prefix(death.cut)), at: offset) }
            point.die(death.description)
        }
        try base.write(handle, bytes, at: offset)
    }

    func sync(_ handle: LocalFileHandle) throws(LocalFileError) {
        point.tick("fsync", handle.path)
        try base.sync(handle)
    }

    func close(_ handle: LocalFileHandle) { base.close(handle) }
    func createDirectories(_ path: String) throws(LocalFileError) { try base.createDirectories(path) }
    func listDirectory(_ path: String) throws(LocalFileError) -> [String] { try base.listDirectory(path) }
    func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus? { try base.status(path) }

    @discardableResult
    func remove(_ path: String) throws(LocalFileError) -> Bool {
        point.tick("unlink", path)
        return try base.remove(path)
    }

    func rename(_ source: String, to destination: String) throws(LocalFileError) {
        point.tick("rename", destination)
        try base.rename(source, to: destination)
    }

    func syncDirectory(_ path: String) throws(LocalFileError) {
        point.tick("fsync dir", path)
        try base.syncDirectory(path)
    }

    func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle { try base.lock(path) }
    func unlock(_ handle: LocalFileHandle) { base.unlock(handle) }

    func listDirectoryEntries(_ path: String) throws(LocalFileError) -> [LocalFiles.DirectoryEntry] {
        try base.listDirectoryEntries(path)
    }

    func status(of handle: LocalFileHandle) throws(LocalFileError) -> LocalFiles.FileStatus { try base.status(of: handle) }
}
