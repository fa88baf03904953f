import Synchronization

/// A remote object (or incomplete upload) that the cache tried to clean up and could not.
///
/// Recorded, never silently dropped: the run's report lists it for garbage collection, and
/// the leftover check counts it as *known* rather than failing the run.
public struct KnownOrphan: Sendable, Hashable, Codable {
    /// The remote key.
    public var key: String
    /// Why it is left: what failed (`delete`, `abort multipart upload`) and the error.
    public var reason: String
    /// The error code of the failed clean-up.
    public var code: String

    public init(key: String, reason: String, code: String) {
        self.key = key
        self.reason = reason
        self.code = code
    }
}

/// The ledger of ``KnownOrphan``s of one write cache.
public final class KnownOrphans: Sendable {
    private let entries = Mutex<[KnownOrphan]>([])

    public init() {}

    /// Records an orphan.
    public func record(_ orphan: KnownOrphan) {
        entries.withLock { $0.append(orphan) }
    }

    /// Forgets `key` (a later clean-up succeeded).
    public func resolve(key: String) {
        entries.withLock { $0.removeAll { $0.key == key } }
    }

    /// Every orphan recorded, sorted by key.
    public var all: [KnownOrphan] {
        entries.withLock { $0 }.sorted { ($0.key, $0.reason) < ($1.key, $1.reason) }
    }

    /// The keys of the orphans.
    public var keys: Set<String> {
        Set(entries.withLock { $0.map(\.key) })
    }
}
