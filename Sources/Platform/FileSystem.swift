/// An open file of a ``FileSystem``: the path it was opened at and the layer's number for it.
///
/// A small value the layer that made it understands (a POSIX descriptor, an in-memory handle
/// number); callers pass it back to that layer and never interpret `id` themselves.
public struct LocalFileHandle: Sendable, Hashable, CustomStringConvertible {
    /// The path the file was opened at (for error messages).
    public let path: String
    /// The layer's number for the open file.
    public let id: Int32

    /// Creates a handle; only file layers make them.
    public init(path: String, id: Int32) {
        self.path = path
        self.id = id
    }

    public var description: String { "\(path)#\(id)" }
}

/// The local file operations a cache performs, as one injectable layer.
///
/// Every method is synchronous and may block: run them through the layer's
/// ``preferredExecutor`` (the blocking-I/O pool for ``PosixFileSystem``, inline for
/// ``InMemoryFileSystem``). Errors are typed ``LocalFileError``s naming the operation and the
/// path. Implementations: ``PosixFileSystem`` (the real disk, the default),
/// ``InMemoryFileSystem`` (deterministic, fast, and a model of what survives a power loss),
/// ``FaultyFileSystem`` (injects `ENOSPC` and `EIO`) and recording wrappers built on them.
public protocol FileSystem: Sendable {
    /// How blocking calls of this layer should run: on the blocking-I/O pool, or inline when
    /// the layer never blocks.
    var preferredExecutor: BlockingExecutor { get }

    /// Opens an existing file for reading.
    func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle
    /// Creates a new, empty file for writing; fails with `already_exists` if the name exists.
    func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle
    /// The open file's current size in bytes.
    func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64
    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8]
    /// Writes all of `bytes` at `offset`, extending the file (with zeros) if needed.
    func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError)
    /// Makes the open file's data durable (`fsync`).
    func sync(_ handle: LocalFileHandle) throws(LocalFileError)
    /// Closes the handle. Errors are ignored: the data's fate was settled by ``sync(_:)``.
    func close(_ handle: LocalFileHandle)

    /// Creates `path` and any missing parents; the parent of every directory it creates is
    /// synced, so the new directory survives a power loss.
    func createDirectories(_ path: String) throws(LocalFileError)
    /// The names in directory `path` (no `.` or `..`), in no particular order.
    func listDirectory(_ path: String) throws(LocalFileError) -> [String]
    /// Size, kind and modification time of `path`, not following a symbolic link; `nil` when
    /// it does not exist.
    func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus?
    /// Removes file `path`; `false` when there was none.
    @discardableResult
    func remove(_ path: String) throws(LocalFileError) -> Bool
    /// Renames `source` to `destination`, replacing a file there atomically.
    func rename(_ source: String, to destination: String) throws(LocalFileError)
    /// Makes directory `path`'s entries durable, so creations, renames and unlinks in it
    /// survive a power loss.
    func syncDirectory(_ path: String) throws(LocalFileError)

    /// Takes the exclusive lock file `path` (created if missing) without waiting: one process
    /// per cache directory.
    ///
    /// - Errors: code `locked` when it is held (by another process, or another open of this
    ///   layer).
    func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle
    /// Releases a lock taken by ``lock(_:)``.
    func unlock(_ handle: LocalFileHandle)
}

extension FileSystem {
    /// The blocking-I/O pool: the right place for a layer whose calls block.
    public var preferredExecutor: BlockingExecutor { .threadPool }

    /// Reads the whole file at `path` (open, size, read, close).
    public func readWholeFile(_ path: String) throws(LocalFileError) -> [UInt8] {
        let handle = try openForReading(path)
        defer { close(handle) }
        let size = try size(of: handle)
        return size == 0 ? [] : try read(handle, at: 0, count: Int(size))
    }
}
