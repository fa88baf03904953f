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
    /// The clock for time-to-idle (a ``ManualTimeSource`` in tests).
    public var timeSource: any TimeSource

    /// Creates a configuration; 5 GiB and no time-to-idle by default, like the reference.
    public init(
        directory: String,
        capacity: UInt64 = 5 << 30,
        timeToIdle: Duration? = nil,
        timeSource: any TimeSource = SystemTimeSource()
    ) {
        self.directory = directory
        self.capacity = capacity
        self.timeToIdle = timeToIdle
        self.timeSource = timeSource
    }
}

/// What the cache found on disk when it opened.
public struct RecoveryReport: Sendable, Equatable, Codable {
    /// Files indexed.
    public var recoveredFiles: Int = 0
    /// Their total size.
    public var recoveredBytes: UInt64 = 0
    /// Files removed because their names do not parse as `{region}.{uuid}.{type}`.
    public var removedUnparseable: Int = 0
    /// Files removed because they could not be read (not a regular file, broken link, I/O error).
    public var removedUnreadable: Int = 0
    /// Leftover temp files of an earlier process that were removed.
    public var removedTemporary: Int = 0
    /// Files evicted at once because the recovered files exceed the capacity.
    public var evictedOverCapacity: Int = 0

    public init() {}
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
