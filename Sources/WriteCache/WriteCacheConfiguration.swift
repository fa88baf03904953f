public import Foundation
public import ObjectStore
public import SSTFormat

/// How a ``WriteCache`` moves files to and from the remote store.
public struct WriteCacheConfiguration: Sendable, Equatable {
    /// Bytes per upload part (S3 needs at least 5 MiB for every part but the last).
    public var partSize: Int
    /// Upload parts in flight at once.
    public var uploadConcurrency: Int
    /// Bytes per ranged read of a download.
    public var downloadChunkSize: Int
    /// Ranged reads in flight at once.
    public var downloadConcurrency: Int
    /// Check every upload (size, and checksum where the store has one) before acknowledging it.
    public var verifyUploads: Bool
    /// Retries of transient remote errors.
    public var retry: RetryPolicy
    /// Prefix of every remote key (e.g. `"data/"`).
    public var remotePrefix: String
    /// The executor the cache's own unstructured tasks (a shared download's transfer, an
    /// upload's read-ahead) prefer; `nil`: the default (the cooperative pool). A simulation
    /// passes its seeded serial executor, so those tasks interleave deterministically too.
    public var taskExecutor: TaskExecutorReference?

    /// Creates a configuration; the defaults are the reference's 8 MiB × 8 both ways, with
    /// verification and 3 attempts.
    public init(
        partSize: Int = 8 << 20,
        uploadConcurrency: Int = 8,
        downloadChunkSize: Int = 8 << 20,
        downloadConcurrency: Int = 8,
        verifyUploads: Bool = true,
        retry: RetryPolicy = RetryPolicy(),
        remotePrefix: String = "",
        taskExecutor: TaskExecutorReference? = nil
    ) {
        self.partSize = max(1, partSize)
        self.uploadConcurrency = max(1, uploadConcurrency)
        self.downloadChunkSize = max(1, downloadChunkSize)
        self.downloadConcurrency = max(1, downloadConcurrency)
        self.verifyUploads = verifyUploads
        self.retry = retry
        self.remotePrefix = remotePrefix
        self.taskExecutor = taskExecutor
    }
}

/// One SST to write and upload: its region, its file id, and what produces its files.
public struct Flush: Sendable {
    /// The region the SST belongs to.
    public var region: UInt64
    /// The SST's file id.
    public var fileID: UUID
    /// Writes the data and index files.
    public var producer: any SSTProducer

    public init(region: UInt64, fileID: UUID = UUID(), producer: any SSTProducer) {
        self.region = region
        self.fileID = fileID
        self.producer = producer
    }
}

/// A file that reached the remote store and was verified.
public struct UploadedFile: Sendable, Equatable, Codable {
    /// The cache key.
    public var key: FileKey
    /// The remote object's key (with the prefix).
    public var remoteKey: String
    /// Its size.
    public var size: UInt64
    /// Its checksum as the store reports it, if the store keeps one.
    public var checksum: Checksum?
    /// Attempts it took (1 = no retry; 0 when the store already held this acknowledged object
    /// whole, so nothing was uploaded).
    public var attempts: Int
}

/// What `writeAndUpload` did.
public struct FlushOutcome: Sendable, Equatable {
    /// The uploaded files: the data file, then the index file if there is one. Empty when the
    /// producer wrote no rows (nothing is cached or uploaded then).
    public var files: [UploadedFile]
    /// What the producer reported.
    public var summary: SSTSummary
}

/// A task executor as a configuration value: equal when it is the same executor.
public struct TaskExecutorReference: Sendable, Equatable {
    /// The executor.
    public let executor: any TaskExecutor

    public init(_ executor: any TaskExecutor) {
        self.executor = executor
    }

    public static func == (lhs: TaskExecutorReference, rhs: TaskExecutorReference) -> Bool {
        lhs.executor === rhs.executor
    }
}
