import Crypto
import Foundation
public import Platform

extension S3Store {
    /// Uploads the local file at `path` as `key`, streaming it from the file as it is sent.
    ///
    /// The path for files that already sit on a local disk (a cache's SST files): no copy of the
    /// file is held in memory. Each part's SHA-256 is computed first by reading the file in
    /// 1 MiB blocks; libcurl's thread then reads the bytes again (from the page cache) while
    /// sending. A file up to the part size goes with one PUT, a larger one as a multipart upload
    /// with up to ``WriteOptions/concurrency`` parts in flight. The file must not change during
    /// the upload.
    ///
    /// - Parameters:
    ///   - path: the local file.
    ///   - key: the object's key.
    ///   - options: part size (at least 5 MiB) and parts in flight.
    /// - Returns: size and checksum, equal to what ``stat(key:)`` reports afterwards.
    /// - Errors: `io` when the file cannot be read; any S3 error. A failed multipart upload is
    ///   aborted before the error is thrown (with any upload of the key a create whose reply was
    ///   lost started); uploads that could not be aborted are in the error's
    ///   ``ObjectStoreError/leftovers``.
    public func upload(file path: String, key: String, options: WriteOptions = WriteOptions()) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .write)
        let file = try await localFileOperation(.write, path: path, key: key) { try LocalFile.openForReading(path) }
        defer { file.close() }
        let size = try await localFileOperation(.write, path: path, key: key) { try file.size() }
        return try await upload(from: file, range: 0..<size, key: key, options: options)
    }

    /// Uploads bytes `range` of `file` as `key`, streamed from the descriptor as it is sent:
    /// one PUT up to the part size, else a multipart upload with up to
    /// ``WriteOptions/concurrency`` parts in flight. Each part's SHA-256 is computed first (1 MiB
    /// reads off the cooperative pool), then libcurl's thread reads the part again (from the
    /// page cache) while sending; memory stays at a few buffers per part in flight, whatever
    /// the size.
    ///
    /// - Errors: see ``ObjectStore/upload(from:range:key:options:)``.
    public func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
        try ObjectKey.validate(key, operation: .write)
        let size = UInt64(range.count)
        let partSize = UInt64(max(options.partSize, S3ObjectWriter.minimumPartSize))
        let available = try await localFileOperation(.write, path: file.path, key: key) { try file.size() }
        guard available >= range.upperBound else {
            throw ObjectStoreError(code: .io, operation: .write, key: key,
                                   message: "upload of '\(file.path)' bytes \(range.lowerBound)..<\(range.upperBound) to \(errors.target(key)): the file has only \(available) bytes")
        }

        if size <= partSize {
            let digest = try await sha256(of: file, range: range, key: key)
            let checksum = try await putObject(key: key, bytes: [], file: FileRange(descriptor: file.descriptor, offset: range.lowerBound, length: Int(size)),
                                               sha256: digest)
            options.progress?.add(size)
            return ObjectInfo(key: key, size: size, checksum: checksum)
        }

        let uploadID: String
        do {
            uploadID = try await createMultipartUpload(key: key)
        } catch {
            // The server may have started the upload although no id came back (a lost reply):
            // find and abort it, in a task of its own so a cancelled caller still cleans up.
            guard error.mayHaveTakenEffect else { throw error }
            let failure = await Task { await self.abortUploads(ofKey: key, known: nil) }.value
            throw error.addingLeftovers(of: failure)
        }
        let ranges = stride(from: range.lowerBound, to: range.upperBound, by: Int(partSize)).map { $0..<min($0 + partSize, range.upperBound) }
        do {
            let parts = try await uploadParts(of: file, ranges: ranges, key: key, uploadID: uploadID,
                                              concurrency: max(1, options.concurrency), progress: options.progress)
            let composite = Self.compositeChecksum(of: parts)
            try await completeMultipartUpload(key: key, uploadID: uploadID, parts: parts, expected: composite)
            return ObjectInfo(key: key, size: size, checksum: composite)
        } catch {
            // A task of its own: a cancelled caller must still free the parts. What cannot be
            // aborted travels with the error (its `leftovers`), never silently dropped.
            let failure = await Task { await self.abortUploads(ofKey: key, known: uploadID) }.value
            throw error.addingLeftovers(of: failure)
        }
    }

    /// Uploads the parts, `concurrency` at a time (start N, add one as each finishes).
    private func uploadParts(of file: LocalFile, ranges: [Range<UInt64>], key: String, uploadID: String,
                             concurrency: Int, progress: TransferProgress? = nil) async throws(ObjectStoreError) -> [S3ObjectWriter.Part] {
        let numbered = Array(ranges.enumerated())
        return try await BoundedConcurrency.map(numbered, limit: concurrency) { (part) async throws(ObjectStoreError) -> S3ObjectWriter.Part in
            let (index, range) = part
            let digest = try await self.sha256(of: file, range: range, key: key)
            let part = try await self.uploadPart(
                key: key, uploadID: uploadID, number: index + 1, bytes: [],
                file: FileRange(descriptor: file.descriptor, offset: range.lowerBound, length: range.count),
                sha256: digest)
            progress?.add(UInt64(range.count))
            return part
        }
    }

    /// The raw SHA-256 of `range` of `file`, read in 1 MiB blocks off the cooperative pool.
    private func sha256(of file: LocalFile, range: Range<UInt64>, key: String) async throws(ObjectStoreError) -> Data {
        try await localFileOperation(.write, path: file.path, key: key) {
            var hasher = SHA256()
            var offset = range.lowerBound
            while offset < range.upperBound {
                let block = try file.read(at: offset, count: Int(min(1 << 20, range.upperBound - offset)))
                guard !block.isEmpty else {
                    throw LocalFileError(code: .io, operation: "read", path: file.path,
                                         message: "read '\(file.path)': the file ended at \(offset), before \(range.upperBound); it changed during the upload")
                }
                hasher.update(data: block)
                offset += UInt64(block.count)
            }
            return Data(hasher.finalize())
        }
    }
}
