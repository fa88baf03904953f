import Platform
import Synchronization

/// Writes one object of a ``FileSystemStore`` into a temp file; `close()` fsyncs and renames it.
final class FileSystemObjectWriter: ObjectWriter {
    private enum Phase {
        case open(offset: UInt64)
        case writing
        case finished
    }

    private let store: FileSystemStore
    private let key: String
    private let file: LocalFile
    private let phase: Mutex<Phase> = Mutex(.open(offset: 0))
    private let failedAbort: Mutex<ObjectStoreError?> = Mutex(nil)
    /// Whether the descriptor was closed: it is closed exactly once, by whichever path gets there.
    private let descriptorClosed = Atomic<Bool>(false)

    init(store: FileSystemStore, key: String, file: LocalFile) {
        self.store = store
        self.key = key
        self.file = file
    }

    var abortFailure: ObjectStoreError? { failedAbort.withLock { $0 } }

    /// Closes the temp file's descriptor unless that already happened. Blocks briefly.
    private func closeFile() {
        if !descriptorClosed.exchange(true, ordering: .acquiringAndReleasing) { file.close() }
    }

    private func take(_ step: String) throws(ObjectStoreError) -> UInt64 {
        let key = self.key
        return try phase.withLock { (phase) throws(ObjectStoreError) -> UInt64 in
            guard case .open(let offset) = phase else {
                throw ObjectStoreError(code: .invalidArgument, operation: .write, key: key,
                                       message: "\(step) '\(key)': the writer is busy, closed or aborted (writes must be sequential)")
            }
            phase = .writing
            return offset
        }
    }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        let offset = try take("write")
        let file = self.file
        do {
            try await store.io(.write, key) { try file.write(chunk, at: offset) }
        } catch {
            phase.withLock { $0 = .open(offset: offset) }
            throw error
        }
        phase.withLock { $0 = .open(offset: offset + UInt64(chunk.count)) }
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        let size = try take("close")
        let file = self.file
        let target = store.path(of: key)
        let directory = String(target[..<target.lastIndex(of: "/")!])
        do {
            try await store.io(.write, key) {
                let synced = Result { try file.sync() }
                self.closeFile()
                try synced.get()
                try LocalFiles.createDirectories(directory)
                try LocalFiles.rename(file.path, to: target)
                try LocalFiles.syncDirectory(directory)
            }
        } catch {
            phase.withLock { $0 = .finished }
            // Clean-up: runs even in a cancelled task (which is what may have failed the close).
            _ = try? await store.io(.write, key, cleanup: true) {
                self.closeFile()
                try LocalFiles.remove(file.path)
            }
            throw error
        }
        phase.withLock { $0 = .finished }
        return ObjectInfo(key: key, size: size)
    }

    func abort() async {
        let wasOpen = phase.withLock { phase -> Bool in
            if case .finished = phase { return false }
            phase = .finished
            return true
        }
        guard wasOpen else { return }
        let file = self.file
        do {
            try await store.io(.write, key, cleanup: true) {
                self.closeFile()
                try LocalFiles.remove(file.path)
            }
        } catch {
            failedAbort.withLock { $0 = error }
        }
    }
}
