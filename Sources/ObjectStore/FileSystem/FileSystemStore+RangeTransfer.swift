import Foundation
public import Platform

extension FileSystemStore {
    /// Copies bytes `range` of `file` into a new object, in the kernel where it can
    /// (``FileRangeCopy``): the bytes never pass through this process's memory. Atomic like a
    /// writer's close: a temp file, fsync, rename, fsync of the directory.
    ///
    /// - Errors: see ``ObjectStore/upload(from:range:key:options:)``; the temp file is removed
    ///   on any failure.
    public func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .write)
        let tempPath = temporaryDirectory + "/" + UUID().uuidString + ".tmp"
        let target = path(of: key)
        let directory = String(target[..<target.lastIndex(of: "/")!])
        do {
            try await io(.write, key) {
                let temp = try LocalFile.create(tempPath)
                let copied: Result<UInt64, LocalFileError> = Result { () throws(LocalFileError) -> UInt64 in
                    defer { temp.close() }
                    let copied = try FileRangeCopy.copy(from: file, at: range.lowerBound, to: temp, at: 0, count: UInt64(range.count))
                    try temp.sync()
                    return copied
                }
                let count = try copied.get()
                guard count == UInt64(range.count) else {
                    throw ObjectStoreError(code: .io, operation: .write, key: key,
                                           message: "upload of '\(file.path)' bytes \(range.lowerBound)..<\(range.upperBound) to '\(key)': the file ended at \(range.lowerBound + count)")
                }
                try LocalFiles.createDirectories(directory)
                try LocalFiles.rename(tempPath, to: target)
                try LocalFiles.syncDirectory(directory)
            }
        } catch {
            // Clean-up: runs even in a cancelled task.
            _ = try? await io(.write, key, cleanup: true) { try LocalFiles.remove(tempPath) }
            throw error
        }
        options.progress?.add(UInt64(range.count))
        return ObjectInfo(key: key, size: UInt64(range.count))
    }

    /// Copies `range` of `key`'s object into `file` at `offset`, in the kernel where it can.
    ///
    /// - Errors: see ``ObjectStore/read(key:range:into:at:)``.
    public func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
        try ObjectKey.validate(key, operation: .read)
        let path = path(of: key)
        return try await io(.read, key) {
            let object = try LocalFile.openForReading(path)
            defer { object.close() }
            let size = try object.size()
            if range.lowerBound > size || (range.lowerBound == size && size > 0 && !range.isEmpty) {
                throw ObjectStoreError(code: .invalidRange, operation: .read, key: key,
                                       message: "read '\(key)' at \(range.lowerBound): the object has only \(size) bytes")
            }
            let upper = min(range.upperBound, size)
            guard range.lowerBound < upper else { return 0 }
            let count = upper - range.lowerBound
            let copied = try FileRangeCopy.copy(from: object, at: range.lowerBound, to: file, at: offset, count: count)
            guard copied == count else {
                throw ObjectStoreError(code: .io, operation: .read, key: key,
                                       message: "read '\(key)' bytes \(range.lowerBound)..<\(upper): the object ended at \(range.lowerBound + copied); it changed during the read",
                                       isTransient: true)
            }
            return copied
        }
    }
}
