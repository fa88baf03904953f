import ObjectStore
import Synchronization

/// A store for tests that wraps a ``MemoryStore`` and fails on cue: scripted write, close,
/// read and delete errors, torn and ack-lost commits, failing aborts. It counts every call.
///
/// It is a small test double for the write cache's own tests; the scenario harness uses the
/// real fault layer (FaultInjection) instead.
final class ScriptedStore: ObjectStore {
    struct Script {
        /// Errors to throw from the writer `write` calls after ``passWrites`` succeeded, in order.
        var writeErrors: [ObjectStoreError.Code] = []
        /// Writer `write` calls that succeed before ``writeErrors`` apply.
        var passWrites = 0
        /// Errors to throw from the next writer `close` calls, in order (nothing is committed).
        var closeErrors: [ObjectStoreError.Code] = []
        /// The next N commits keep only the first half of the object but report the full size.
        var tornCommits = 0
        /// The next N commits succeed in the store, but the caller sees a transient error.
        var lostAcks = 0
        /// Errors to throw from the next `delete` calls, in order.
        var deleteErrors: [ObjectStoreError.Code] = []
        /// Errors to throw from the next `read` calls, in order.
        var readErrors: [ObjectStoreError.Code] = []
        /// Aborts fail (the upload stays incomplete).
        var failAborts = false
        /// The next N aborts fail (the upload stays incomplete), then aborts work again.
        var abortFailures = 0
        /// Uploads whose abort failed are listed by `incompleteUploads` (as S3 lists them), with
        /// ids `scripted-1`, `scripted-2`, ...; otherwise the store lists none.
        var listsIncompleteUploads = false
        /// Only keys with this suffix are affected (nil: all).
        var keySuffix: String?
    }

    struct Counts {
        var writersStarted = 0
        var writes = 0
        var closes = 0
        var aborts = 0
        var reads = 0
        var stats = 0
        var deletes = 0
    }

    let kind = "scripted"
    let inner = MemoryStore()
    let script: Mutex<Script>
    let counts = Mutex(Counts())
    /// Holds reads while closed (see ``ReadGate``).
    let readGate = ReadGate()
    /// Runs when a writer is made, before it is returned (to act between commit and upload).
    let beforeWriter = Mutex<(@Sendable (String) async -> Void)?>(nil)
    /// Uploads left incomplete by failed aborts, by upload id.
    let incomplete = Mutex<[String: IncompleteUpload]>([:])

    init(_ script: Script = Script()) {
        self.script = Mutex(script)
    }

    /// Whether the next abort fails (and consumes one of ``Script/abortFailures``).
    func abortFails() -> Bool {
        script.withLock { script in
            if script.failAborts { return true }
            guard script.abortFailures > 0 else { return false }
            script.abortFailures -= 1
            return true
        }
    }

    /// Records an upload left incomplete when the script lists such uploads.
    func leftIncomplete(key: String) {
        guard script.withLock({ $0.listsIncompleteUploads }) else { return }
        incomplete.withLock { uploads in
            let id = "scripted-\(uploads.count + 1)"
            uploads[id] = IncompleteUpload(key: key, uploadID: id)
        }
    }

    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        incomplete.withLock { Array($0.values) }.filter { $0.key.hasPrefix(prefix) }.sorted { $0.uploadID < $1.uploadID }
    }

    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(ObjectStoreError) {
        if abortFails() {
            throw ObjectStoreError(code: .internalError, operation: .write, key: upload.key, message: "scripted abort failure")
        }
        _ = incomplete.withLock { $0.removeValue(forKey: upload.uploadID) }
    }

    func setScript(_ body: (inout Script) -> Void) {
        script.withLock { body(&$0) }
    }

    /// Pops the next scripted error of `path` if `key` is affected.
    func next(_ path: WritableKeyPath<Script, [ObjectStoreError.Code]>, key: String) -> ObjectStoreError.Code? {
        script.withLock { script in
            if let suffix = script.keySuffix, !key.hasSuffix(suffix) { return nil }
            guard !script[keyPath: path].isEmpty else { return nil }
            return script[keyPath: path].removeFirst()
        }
    }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        counts.withLock { $0.writersStarted += 1 }
        if let hook = beforeWriter.withLock({ $0 }) { await hook(key) }
        return ScriptedWriter(store: self, key: key, inner: try await inner.makeWriter(key: key, options: options))
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        counts.withLock { $0.reads += 1 }
        try await readGate.pass(key: key)
        if let code = next(\.readErrors, key: key) {
            throw ObjectStoreError(code: code, operation: .read, key: key, message: "scripted read failure")
        }
        return try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        counts.withLock { $0.stats += 1 }
        return try await inner.stat(key: key)
    }

    func delete(key: String) async throws(ObjectStoreError) {
        counts.withLock { $0.deletes += 1 }
        if let code = next(\.deleteErrors, key: key) {
            throw ObjectStoreError(code: code, operation: .delete, key: key, message: "scripted delete failure")
        }
        try await inner.delete(key: key)
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        try await inner.list(prefix: prefix)
    }
}

final class ScriptedWriter: ObjectWriter {
    let store: ScriptedStore
    let key: String
    let inner: any ObjectWriter
    let buffered = Mutex<[UInt8]>([])
    let failedAbort = Mutex<ObjectStoreError?>(nil)

    init(store: ScriptedStore, key: String, inner: any ObjectWriter) {
        self.store = store
        self.key = key
        self.inner = inner
    }

    var abortFailure: ObjectStoreError? { failedAbort.withLock { $0 } }

    func write(_ chunk: [UInt8]) async throws(ObjectStoreError) {
        store.counts.withLock { $0.writes += 1 }
        let pass = store.script.withLock { script -> Bool in
            guard script.passWrites > 0 else { return false }
            script.passWrites -= 1
            return true
        }
        if !pass, let code = store.next(\.writeErrors, key: key) {
            throw ObjectStoreError(code: code, operation: .write, key: key, message: "scripted write failure")
        }
        buffered.withLock { $0.append(contentsOf: chunk) }
        try await inner.write(chunk)
    }

    func close() async throws(ObjectStoreError) -> ObjectInfo {
        store.counts.withLock { $0.closes += 1 }
        if let code = store.next(\.closeErrors, key: key) {
            await inner.abort()
            throw ObjectStoreError(code: code, operation: .write, key: key, message: "scripted close failure")
        }
        let (torn, lost) = store.script.withLock { script -> (Bool, Bool) in
            if let suffix = script.keySuffix, !key.hasSuffix(suffix) { return (false, false) }
            if script.tornCommits > 0 { script.tornCommits -= 1; return (true, false) }
            if script.lostAcks > 0 { script.lostAcks -= 1; return (false, true) }
            return (false, false)
        }
        let info = try await inner.close()
        if torn {
            let bytes = buffered.withLock { $0 }
            store.inner.overwriteStoredBytes(key: key, with: Array(bytes.prefix(bytes.count / 2)), updateChecksum: true)
            return info
        }
        if lost {
            throw ObjectStoreError(code: .timeout, operation: .write, key: key, message: "scripted lost acknowledgement")
        }
        return info
    }

    func abort() async {
        store.counts.withLock { $0.aborts += 1 }
        if store.abortFails() {
            failedAbort.withLock {
                $0 = ObjectStoreError(code: .internalError, operation: .write, key: key, message: "scripted abort failure")
            }
            store.leftIncomplete(key: key)
            return
        }
        await inner.abort()
    }
}
