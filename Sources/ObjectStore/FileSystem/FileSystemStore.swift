import Foundation
import Platform

/// An object store in a local directory: objects are files under `root/objects`, written
/// atomically through `root/tmp`.
///
/// A write goes to a fresh temp file; `close()` fsyncs it, renames it into place and fsyncs the
/// directory, so after a crash an object is either whole or absent. Temp files are removed on
/// abort and swept when the store opens. Keys are validated (``ObjectKey``) so none can escape the
/// root. It keeps no checksums: ``stat(key:)`` returns the size only.
public final class FileSystemStore: ObjectStore {
    public let kind = "fs"
    /// The store's root directory.
    public let root: String
    /// Where objects live.
    public let objectsDirectory: String
    /// Where writes in progress live.
    public let temporaryDirectory: String

    /// Opens (creating if needed) a store at `root` and removes temp files of earlier runs.
    ///
    /// - Returns: the store and the number of stale temp files it removed.
    /// - Errors: `io` when the directories cannot be created or swept.
    public static func open(root: String) async throws(ObjectStoreError) -> FileSystemStore {
        let store = FileSystemStore(root: root)
        do {
            try await BlockingIO.run {
                try LocalFiles.createDirectories(store.objectsDirectory)
                try LocalFiles.createDirectories(store.temporaryDirectory)
                for name in try LocalFiles.listDirectory(store.temporaryDirectory) {
                    try LocalFiles.removeTree(store.temporaryDirectory + "/" + name)
                }
            }
        } catch {
            throw ObjectStoreError(code: .io, operation: .write, key: nil,
                                   message: "open file-system store at '\(root)': \(error)", cause: error)
        }
        return store
    }

    private init(root: String) {
        self.root = root
        self.objectsDirectory = root + "/objects"
        self.temporaryDirectory = root + "/tmp"
    }

    /// The local path of `key`'s object.
    public func path(of key: String) -> String {
        objectsDirectory + "/" + key
    }

    public func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try ObjectKey.validate(key, operation: .write)
        let tempPath = temporaryDirectory + "/" + UUID().uuidString + ".tmp"
        let file = try await io(.write, key) { try LocalFile.create(tempPath) }
        return FileSystemObjectWriter(store: self, key: key, file: file)
    }

    public func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try ObjectKey.validate(key, operation: .read)
        let path = path(of: key)
        let result: Result<[UInt8], ObjectStoreError> = try await io(.read, key) {
            let file = try LocalFile.openForReading(path)
            defer { file.close() }
            let size = try file.size()
            if range.lowerBound > size || (range.lowerBound == size && size > 0 && !range.isEmpty) {
                return .failure(ObjectStoreError(
                    code: .invalidRange, operation: .read, key: key,
                    message: "read '\(key)' at \(range.lowerBound): the object has only \(size) bytes"))
            }
            let upper = min(range.upperBound, size)
            guard range.lowerBound < upper else { return .success([]) }
            return .success(try file.read(at: range.lowerBound, count: Int(upper - range.lowerBound)))
        }
        return try result.get()
    }

    public func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .stat)
        let path = path(of: key)
        let status = try await io(.stat, key) { try LocalFiles.status(path) }
        guard let status, status.isRegularFile else { throw .notFound(.stat, key: key, store: kind) }
        return ObjectInfo(key: key, size: status.size)
    }

    public func delete(key: String) async throws(ObjectStoreError) {
        try ObjectKey.validate(key, operation: .delete)
        let path = path(of: key)
        let objects = objectsDirectory
        try await io(.delete, key) {
            try LocalFiles.remove(path)
            // Drop directories the delete left empty, up to the objects directory.
            var directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            while directory.count > objects.count, rmdir(directory) == 0 {
                directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
            }
        }
    }

    public func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        let objects = objectsDirectory
        return try await io(.list, nil) {
            var found: [ObjectInfo] = []
            func walk(_ directory: String, _ keyPrefix: String) throws {
                for name in try LocalFiles.listDirectory(directory) {
                    let key = keyPrefix + name
                    // Skip subtrees that cannot hold a key with `prefix`.
                    guard key.hasPrefix(prefix) || prefix.hasPrefix(key) else { continue }
                    guard let status = try LocalFiles.status(directory + "/" + name) else { continue }
                    if status.isDirectory {
                        try walk(directory + "/" + name, key + "/")
                    } else if status.isRegularFile, key.hasPrefix(prefix) {
                        found.append(ObjectInfo(key: key, size: status.size, lastModified: Double(status.modifiedNanoseconds) / 1e9))
                    }
                }
            }
            try walk(objects, "")
            return found.sorted { $0.key < $1.key }
        }
    }

    /// Runs blocking `body` on the I/O pool, mapping local errors to store errors.
    ///
    /// - Parameter cleanup: run `body` even when the task is cancelled (``BlockingIO/runToCompletion(_:)``):
    ///   for removing temp files and closing descriptors, which must happen whatever the caller's fate.
    func io<T: Sendable>(
        _ operation: ObjectStoreError.Operation, _ key: String?, cleanup: Bool = false,
        _ body: @escaping @Sendable () throws -> T
    ) async throws(ObjectStoreError) -> T {
        do {
            return try await cleanup ? BlockingIO.runToCompletion(body) : BlockingIO.run(body)
        } catch let error as ObjectStoreError {
            throw error
        } catch let error as LocalFileError {
            if error.code == .notFound, operation != .write, operation != .list, let key {
                throw .notFound(operation, key: key, store: kind)
            }
            throw ObjectStoreError(code: .io, operation: operation, key: key,
                                   message: "\(operation) '\(key ?? "")' in the fs store at '\(root)': \(error.message)",
                                   cause: error)
        } catch is CancellationError {
            throw .cancelled(operation, key: key)
        } catch {
            throw ObjectStoreError(code: .io, operation: operation, key: key,
                                   message: "\(operation) '\(key ?? "")' in the fs store: \(error)", cause: error)
        }
    }
}
