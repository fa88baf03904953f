#if canImport(Glibc)
import Glibc
#endif

/// The real disk: POSIX calls through ``LocalFile`` and ``LocalFiles``. The default layer.
///
/// A handle's `id` is the file descriptor. Every method blocks: run them on the blocking-I/O
/// pool (``preferredExecutor`` is ``BlockingExecutor/threadPool``).
public struct PosixFileSystem: FileSystem {
    public init() {}

    private func file(_ handle: LocalFileHandle) -> LocalFile {
        LocalFile(path: handle.path, descriptor: handle.id)
    }

    private func handle(_ file: LocalFile) -> LocalFileHandle {
        LocalFileHandle(path: file.path, id: file.descriptor)
    }

    public func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        handle(try LocalFile.openForReading(path))
    }

    public func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        handle(try LocalFile.create(path))
    }

    public func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64 {
        try file(handle).size()
    }

    public func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        try file(handle).read(at: offset, count: count)
    }

    public func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        try file(handle).write(bytes, at: offset)
    }

    public func sync(_ handle: LocalFileHandle) throws(LocalFileError) {
        try file(handle).sync()
    }

    public func close(_ handle: LocalFileHandle) {
        file(handle).close()
    }

    public func createDirectories(_ path: String) throws(LocalFileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if mkdir(current, 0o755) != 0 {
                let err = Glibc.errno
                if err == EEXIST, LocalFiles.isDirectory(current) { continue }
                throw LocalFileError(operation: "mkdir", path: current, errno: err)
            }
            // A new directory is an entry of its parent: durable only once the parent is synced.
            try LocalFiles.syncDirectory(parent)
        }
    }

    public func listDirectory(_ path: String) throws(LocalFileError) -> [String] {
        try LocalFiles.listDirectory(path)
    }

    public func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus? {
        try LocalFiles.linkStatus(path)
    }

    @discardableResult
    public func remove(_ path: String) throws(LocalFileError) -> Bool {
        try LocalFiles.remove(path)
    }

    public func rename(_ source: String, to destination: String) throws(LocalFileError) {
        try LocalFiles.rename(source, to: destination)
    }

    public func syncDirectory(_ path: String) throws(LocalFileError) {
        try LocalFiles.syncDirectory(path)
    }

    public func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle {
        let lock = try DirectoryLock.acquire(path)
        return LocalFileHandle(path: lock.path, id: lock.descriptor)
    }

    public func unlock(_ handle: LocalFileHandle) {
        DirectoryLock(path: handle.path, descriptor: handle.id).release()
    }
}
