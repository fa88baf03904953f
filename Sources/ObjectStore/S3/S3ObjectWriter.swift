import Crypto
import Foundation
import Synchronization

/// One object upload to S3: a single PUT when the object fits in one part, else a multipart
/// upload whose parts go up in parallel while the caller keeps writing.
///
/// The choice: with ``WriteOptions/expectedSize`` at most the part size, everything is buffered
/// and sent with one PUT on ``close()``. Otherwise each full part starts the multipart upload
/// (on the first part) and is uploaded by its own task; ``write(_:)`` waits for the oldest part
/// while ``WriteOptions/concurrency`` parts are in flight, which bounds memory to about part
/// size × (concurrency + 1). An object whose size is unknown and turns out to be below one part
/// still goes as a single PUT. Any failure, and ``abort()``, aborts the multipart upload.
final class S3ObjectWriter: ObjectWriter {
    /// What the server acknowledged for one part.
    struct Part: Sendable {
        var number: Int
        var etag: String
        /// The raw 32 bytes of the part's SHA-256.
        var sha256: Data
    }

    private struct State {
        var buffer: [UInt8] = []
        var size: UInt64 = 0
        var uploadID: String?
        var nextPart = 1
        var inFlight: [Task<Result<Part, ObjectStoreError>, Never>] = []
        var parts: [Part] = []
        var finished = false
        var abortFailure: ObjectStoreError?
        /// A create failed in a way that may have started an upload we never learned the id of.
        var createUncertain = false
    }

    private let store: S3Store
    private let key: String
    private let partSize: Int
    private let concurrency: Int
    private let multipartAllowed: Bool
    private let state = Mutex(State())

    /// S3's smallest part (all but the last).
    static let minimumPartSize = 5 << 20

    init(store: S3Store, key: String, options: WriteOptions) {
        self.store = store
        self.key = key
        self.partSize = max(options.partSize, Self.minimumPartSize)
        self.concurrency = max(1, options.concurrency)
        self.multipartAllowed = options.expectedSize.map { $0 > UInt64(max(options.partSize, Self.minimumPartSize)) } ?? true
    }

    var abortFailure: ObjectStoreError? { state.withLock { $0.abortFailure } }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        try checkOpen()
        var pending = chunk[...]
        while !pending.isEmpty {
            let full = state.withLock { state -> [UInt8]? in
                let room = partSize - state.buffer.count
                guard multipartAllowed, pending.count >= room else {
                    if state.buffer.isEmpty && pending.count == chunk.count {
                        // Adopt the caller's array: no copy (a whole object in one chunk).
                        state.buffer = chunk
                    } else {
                        if state.buffer.isEmpty && multipartAllowed { state.buffer.reserveCapacity(partSize) }
                        state.buffer.append(contentsOf: pending)
                    }
                    state.size += UInt64(pending.count)
                    pending = pending[pending.endIndex...]
                    return nil
                }
                if state.buffer.isEmpty && pending.count == chunk.count && room == chunk.count {
                    // A chunk of exactly one part becomes the part without a copy.
                    state.size += UInt64(room)
                    pending = pending[pending.endIndex...]
                    return chunk
                }
                if state.buffer.isEmpty { state.buffer.reserveCapacity(partSize) }
                state.buffer.append(contentsOf: pending.prefix(room))
                state.size += UInt64(room)
                pending = pending.dropFirst(room)
                defer { state.buffer = [] }
                return state.buffer
            }
            if let full {
                try await failing { () async throws(ObjectStoreError) in try await self.startPart(full) }
            }
        }
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        try checkOpen()
        let (uploadID, rest, size) = state.withLock { state in
            defer { state.buffer = [] }
            return (state.uploadID, state.buffer, state.size)
        }
        guard uploadID != nil else {
            let info = try await failing { () async throws(ObjectStoreError) in try await self.putSingle(rest) }
            state.withLock { $0.finished = true }
            return info
        }
        return try await failing { () async throws(ObjectStoreError) -> ObjectInfo in
            if !rest.isEmpty { try await self.startPart(rest) }
            try await self.drain(keeping: 0)
            let (id, parts) = self.state.withLock { ($0.uploadID!, $0.parts.sorted { $0.number < $1.number }) }
            let info = try await self.complete(uploadID: id, parts: parts, size: size)
            self.state.withLock { $0.finished = true }
            return info
        }
    }

    func abort() async {
        let alreadyFinished = state.withLock { state -> Bool in
            defer { state.finished = true }
            return state.finished
        }
        guard !alreadyFinished else { return }
        // A task of its own: an abort from a cancelled task must still reach the server.
        await Task { await self.abortRemote() }.value
    }

    // MARK: - Steps

    private func checkOpen() throws(ObjectStoreError) {
        let finished = state.withLock { $0.finished }
        if finished {
            throw ObjectStoreError(code: .invalidArgument, operation: .write, key: key,
                                   message: "write 's3://\(store.configuration.bucket)/\(key)': the writer is already closed or aborted")
        }
    }

    /// Runs `body`; on failure aborts the upload (in a task of its own, so a cancelled caller
    /// still cleans up) and rethrows.
    private func failing<T>(_ body: () async throws(ObjectStoreError) -> T) async throws(ObjectStoreError) -> T {
        do {
            return try await body()
        } catch {
            let first = state.withLock { state -> Bool in
                defer { state.finished = true }
                return !state.finished
            }
            if first { await Task { await self.abortRemote() }.value }
            throw error.addingLeftovers(of: abortFailure)
        }
    }

    /// Starts uploading one part, first creating the multipart upload and waiting for room.
    private func startPart(_ bytes: [UInt8]) async throws(ObjectStoreError) {
        if state.withLock({ $0.uploadID }) == nil {
            // The create runs to completion even if the caller is cancelled meanwhile: a create
            // that the server performed but whose reply was cut off would leave an upload that
            // nobody knows the id of, so nobody could abort it.
            let store = self.store
            let key = self.key
            let created = await Task { () async -> Result<String, ObjectStoreError> in
                do throws(ObjectStoreError) {
                    return .success(try await store.createMultipartUpload(key: key))
                } catch {
                    return .failure(error)
                }
            }.value
            if case let .failure(error) = created, error.mayHaveTakenEffect {
                state.withLock { $0.createUncertain = true }
            }
            let id = try created.get()
            state.withLock { $0.uploadID = id }
            if Task.isCancelled { throw ObjectStoreError.cancelled(.write, key: key) }
        }
        try await drain(keeping: concurrency - 1)
        let store = self.store
        let key = self.key
        let aborted = state.withLock { state -> Bool in
            guard !state.finished else { return true }
            let number = state.nextPart
            let id = state.uploadID!
            state.nextPart += 1
            state.inFlight.append(Task {
                do throws(ObjectStoreError) {
                    return .success(try await store.uploadPart(key: key, uploadID: id, number: number, bytes: bytes))
                } catch {
                    return .failure(error)
                }
            })
            return false
        }
        if aborted {
            throw ObjectStoreError(code: .cancelled, operation: .write, key: key,
                                   message: "write 's3://\(store.configuration.bucket)/\(key)': the writer was aborted")
        }
    }

    /// Waits for the oldest parts until at most `keeping` are in flight; cancelling the caller
    /// cancels every part in flight.
    private func drain(keeping: Int) async throws(ObjectStoreError) {
        while let oldest = state.withLock({ $0.inFlight.count > keeping ? $0.inFlight.first : nil }) {
            let result = await withTaskCancellationHandler {
                await oldest.value
            } onCancel: {
                for task in state.withLock({ $0.inFlight }) { task.cancel() }
            }
            // An abort running beside this close (a caller that gave up on it) may have taken
            // the parts in flight already: only the one that still lists the part records it.
            let aborted = state.withLock { state -> Bool in
                if let index = state.inFlight.firstIndex(of: oldest) {
                    state.inFlight.remove(at: index)
                    if case let .success(part) = result { state.parts.append(part) }
                }
                return state.finished
            }
            if case let .failure(error) = result { throw error }
            if aborted {
                throw ObjectStoreError(code: .cancelled, operation: .write, key: key,
                                       message: "write 's3://\(store.configuration.bucket)/\(key)': the writer was aborted while its parts were uploading")
            }
        }
    }

    private func putSingle(_ bytes: [UInt8]) async throws(ObjectStoreError) -> ObjectInfo {
        let checksum = try await store.putObject(key: key, bytes: bytes)
        return ObjectInfo(key: key, size: UInt64(bytes.count), checksum: checksum)
    }

    private func complete(uploadID: String, parts: [Part], size: UInt64) async throws(ObjectStoreError) -> ObjectInfo {
        let composite = S3Store.compositeChecksum(of: parts)
        try await store.completeMultipartUpload(key: key, uploadID: uploadID, parts: parts, expected: composite)
        return ObjectInfo(key: key, size: size, checksum: composite)
    }

    /// Cancels the parts in flight, waits for them, and aborts the multipart upload: the one
    /// started, and any a create whose reply was lost started without our knowing its id. What
    /// cannot be aborted is kept in ``abortFailure``, its ``ObjectStoreError/leftovers`` listing
    /// the uploads.
    private func abortRemote() async {
        let (tasks, uploadID, uncertain) = state.withLock { state in
            defer { state.inFlight = []; state.buffer = [] }
            return (state.inFlight, state.uploadID, state.createUncertain)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
        guard uploadID != nil || uncertain else { return }
        if let failure = await store.abortUploads(ofKey: key, known: uploadID) {
            state.withLock { $0.abortFailure = failure }
        }
    }
}
