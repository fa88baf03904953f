import Synchronization

/// A remote object (or incomplete upload) that the cache tried to clean up and could not.
///
/// Recorded, never silently dropped: the run's report lists it for garbage collection, and
/// the leftover check counts it as *known* rather than failing the run. Without an
/// ``uploadId`` it names an object (garbage collection deletes the key); with one it names an
/// incomplete multipart upload (garbage collection aborts that upload, the object under the key
/// is not touched).
public struct KnownOrphan: Sendable, Hashable, Codable {
    /// The remote key.
    public var key: String
    /// Why it is left: what failed (`delete`, `abort multipart upload`) and the error.
    public var reason: String
    /// The error code of the failed clean-up.
    public var code: String
    /// The store's id of the incomplete upload (S3 `UploadId`), when the orphan is one.
    public var uploadId: String?

    /// Creates a record; pass `uploadId` when the leftover is an incomplete upload.
    public init(key: String, reason: String, code: String, uploadId: String? = nil) {
        self.key = key
        self.reason = reason
        self.code = code
        self.uploadId = uploadId
    }

    /// Whether it names the object under ``key`` (no upload id), so that garbage collection
    /// would act on the object itself rather than on one incomplete upload.
    public var isObject: Bool { uploadId == nil }
}

/// The ledger of ``KnownOrphan``s of one write cache.
///
/// It never lists an acknowledged object: ``acknowledge(key:)`` resolves the object orphans of
/// a key whose upload was later acknowledged (a garbage collector handed that key would delete
/// the only remote copy). Incomplete uploads of such a key stay listed: they are real leftovers,
/// and aborting them by id leaves the object alone.
public final class KnownOrphans: Sendable {
    private let entries = Mutex<[KnownOrphan]>([])
    /// Where changes are persisted (``recordDurably(_:)`` and friends), if anywhere.
    let ledger: OrphanLedger?

    /// Creates an empty ledger.
    public init() {
        ledger = nil
    }

    /// Creates a ledger holding what `ledger` recovered, persisting changes made through the
    /// `…Durably` methods to it.
    init(ledger: OrphanLedger) {
        self.ledger = ledger
        entries.withLock { $0 = ledger.recovered }
    }

    /// ``record(_:)``, then appends it to the persisted ledger (fsync'd).
    func recordDurably(_ orphan: KnownOrphan) async {
        record(orphan)
        _ = await ledger?.append(OrphanLedger.Event(action: "record", orphan: orphan))
    }

    /// ``resolve(key:uploadId:)``, then persists it.
    func resolveDurably(key: String, uploadId: String) async {
        resolve(key: key, uploadId: uploadId)
        _ = await ledger?.append(OrphanLedger.Event(action: "resolve", orphan: KnownOrphan(key: key, reason: "", code: "", uploadId: uploadId)))
    }

    /// ``acknowledge(key:)``, then persists it when it resolved something.
    func acknowledgeDurably(key: String) async {
        guard namesObject(key) else { return }
        acknowledge(key: key)
        _ = await ledger?.append(OrphanLedger.Event(action: "acknowledge", orphan: KnownOrphan(key: key, reason: "", code: "")))
    }

    /// Records an orphan; an incomplete upload already recorded (same key and upload id) is
    /// recorded once, with the latest reason.
    public func record(_ orphan: KnownOrphan) {
        entries.withLock { entries in
            if orphan.uploadId != nil, let index = entries.firstIndex(where: { $0.key == orphan.key && $0.uploadId == orphan.uploadId }) {
                entries[index] = orphan
            } else {
                entries.append(orphan)
            }
        }
    }

    /// Forgets everything recorded under `key` (a later clean-up removed it all).
    public func resolve(key: String) {
        entries.withLock { $0.removeAll { $0.key == key } }
    }

    /// Forgets the incomplete upload `uploadId` of `key` (a later abort succeeded).
    public func resolve(key: String, uploadId: String) {
        entries.withLock { $0.removeAll { $0.key == key && $0.uploadId == uploadId } }
    }

    /// Forgets the orphans of `key` that name it without an upload id, because its upload was
    /// just acknowledged: the object there is no leftover. Its incomplete uploads recorded by id
    /// stay recorded (aborting them by id leaves the object alone).
    public func acknowledge(key: String) {
        entries.withLock { $0.removeAll { $0.key == key && $0.isObject } }
    }

    /// Whether an object orphan is recorded under `key`.
    public func namesObject(_ key: String) -> Bool {
        entries.withLock { $0.contains { $0.key == key && $0.isObject } }
    }

    /// Every orphan recorded, sorted by key.
    public var all: [KnownOrphan] {
        entries.withLock { $0 }.sorted { ($0.key, $0.uploadId ?? "", $0.reason) < ($1.key, $1.uploadId ?? "", $1.reason) }
    }

    /// The keys of the orphans.
    public var keys: Set<String> {
        Set(entries.withLock { $0.map(\.key) })
    }
}
