public import Platform

/// How a ``FileCache`` is set up.
public struct FileCacheConfiguration: Sendable {
    /// The cache directory. Files live directly in it; writes in progress in `tmp/`; `LOCK`
    /// keeps a second process out.
    public var directory: String
    /// The most bytes the cache holds, counting files being written (64-bit).
    public var capacity: UInt64
    /// Evict a file that has not been read for this long; `nil` keeps files until capacity
    /// evicts them.
    public var timeToIdle: Duration?
    /// The clock for time-to-idle and for reservations that wait (a ``ManualTimeSource`` in tests).
    public var timeSource: any TimeSource
    /// The file layer every local operation of the cache goes through: the real disk by
    /// default, an ``InMemoryFileSystem`` in simulations, a fault-injecting or recording
    /// wrapper in fault scenarios and power-loss trials.
    public var fileSystem: any FileSystem
    /// Where the cache runs its blocking file calls; `nil` uses the file layer's
    /// ``FileSystem/preferredExecutor`` (inline for an in-memory layer).
    public var blockingExecutor: BlockingExecutor?
    /// How long a write waits for room when the capacity is taken by pinned files (being read
    /// or uploaded), files removed while pinned and other writes in progress; it then fails
    /// with a `capacity` error. Capacity is a hard bound: the cache never grows past it.
    public var reservationTimeout: Duration

    /// Creates a configuration; 5 GiB, no time-to-idle and a 30 s reservation wait by default.
    public init(
        directory: String,
        capacity: UInt64 = 5 << 30,
        timeToIdle: Duration? = nil,
        timeSource: any TimeSource = SystemTimeSource(),
        fileSystem: any FileSystem = PosixFileSystem(),
        blockingExecutor: BlockingExecutor? = nil,
        reservationTimeout: Duration = .seconds(30)
    ) {
        self.directory = directory
        self.capacity = capacity
        self.timeToIdle = timeToIdle
        self.timeSource = timeSource
        self.fileSystem = fileSystem
        self.blockingExecutor = blockingExecutor
        self.reservationTimeout = reservationTimeout
    }

    /// Where blocking file calls run: ``blockingExecutor``, else the layer's preference.
    public var executor: BlockingExecutor { blockingExecutor ?? fileSystem.preferredExecutor }
}

/// What the cache found on disk when it opened.
///
/// Recovery removes only what is the cache's own: its temp files and files named as the cache
/// names them that cannot be read. Everything else it finds is *foreign*: counted, named (the
/// first ``foreignNameLimit``) and left alone, never recursed into.
public struct RecoveryReport: Sendable, Equatable, Codable {
    /// Foreign entries named in ``foreignNames`` at most.
    public static let foreignNameLimit = 20

    /// Files indexed.
    public var recoveredFiles: Int = 0
    /// Their total size.
    public var recoveredBytes: UInt64 = 0
    /// Files with the cache's names that were removed because they could not be read.
    public var removedUnreadable: Int = 0
    /// Leftover temp files of an earlier process that were removed.
    public var removedTemporary: Int = 0
    /// Files with the cache's names that were removed because they are not whole (a size or a
    /// Parquet / Puffin footer that does not add up): a commit that was not atomic.
    public var removedTorn: Int = 0
    /// The first torn files' names and why each is torn.
    public var tornNames: [String] = []
    /// Orphans recorded in the cache's persisted ledger (`orphans.jsonl`) and still unresolved:
    /// remote leftovers an earlier process could not clean.
    public var knownOrphans: Int = 0
    /// Files evicted at once because the recovered files exceed the capacity.
    public var evictedOverCapacity: Int = 0
    /// Entries that are not the cache's (other names, directories, links, in the cache or its
    /// temp directory), left in place.
    public var foreignEntries: Int = 0
    /// The first foreign entries' paths relative to the cache directory, sorted.
    public var foreignNames: [String] = []

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case recoveredFiles, recoveredBytes, removedUnreadable, removedTemporary, removedTorn, tornNames, knownOrphans, evictedOverCapacity, foreignEntries, foreignNames
    }

    /// Decodes a report; fields missing from documents of older versions read as zero or empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        recoveredFiles = try container.decodeIfPresent(Int.self, forKey: .recoveredFiles) ?? 0
        recoveredBytes = try container.decodeIfPresent(UInt64.self, forKey: .recoveredBytes) ?? 0
        removedUnreadable = try container.decodeIfPresent(Int.self, forKey: .removedUnreadable) ?? 0
        removedTemporary = try container.decodeIfPresent(Int.self, forKey: .removedTemporary) ?? 0
        removedTorn = try container.decodeIfPresent(Int.self, forKey: .removedTorn) ?? 0
        tornNames = try container.decodeIfPresent([String].self, forKey: .tornNames) ?? []
        knownOrphans = try container.decodeIfPresent(Int.self, forKey: .knownOrphans) ?? 0
        evictedOverCapacity = try container.decodeIfPresent(Int.self, forKey: .evictedOverCapacity) ?? 0
        foreignEntries = try container.decodeIfPresent(Int.self, forKey: .foreignEntries) ?? 0
        foreignNames = try container.decodeIfPresent([String].self, forKey: .foreignNames) ?? []
    }

    /// Counts a torn file that was removed, naming it (with why) while fewer than
    /// ``foreignNameLimit`` are named.
    mutating func noteTorn(_ name: String, reason: String) {
        removedTorn += 1
        if tornNames.count < Self.foreignNameLimit { tornNames.append("\(name): \(reason)") }
    }

    /// Counts a foreign entry, naming it while fewer than ``foreignNameLimit`` are named.
    mutating func noteForeign(_ name: String) {
        foreignEntries += 1
        if foreignNames.count < Self.foreignNameLimit { foreignNames.append(name) }
    }
}

/// A cached file that is pinned: eviction will not delete it until ``FileCache/unpin(_:)``.
public struct PinnedFile: Sendable, Equatable {
    /// The file's key.
    public var key: FileKey
    /// The file's path.
    public var path: String
    /// Its size in bytes.
    public var size: UInt64
}

/// Figures of a ``FileCache`` at one moment.
public struct FileCacheStatistics: Sendable, Equatable, Codable {
    /// Files indexed.
    public var files: Int
    /// Bytes of indexed files.
    public var committedBytes: UInt64
    /// Bytes of writes in progress.
    public var reservedBytes: UInt64
    /// The capacity.
    public var capacity: UInt64
    /// The most bytes (committed + reserved) ever used at once.
    public var peakUsedBytes: UInt64
    /// Files evicted for capacity.
    public var evictions: UInt64
    /// Files removed because they were idle past the time-to-idle.
    public var expirations: UInt64
    /// Lookups that found the file.
    public var hits: UInt64
    /// Lookups that did not.
    public var misses: UInt64
    /// Bytes of files deleted locally (evictions, expirations, removals).
    public var deletedBytes: UInt64
}
