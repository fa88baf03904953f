/// Where an SST writer puts its bytes: in the write cache, an atomic writer into a temp file
/// that becomes the cached file only when the whole flush succeeds.
///
/// Bytes are appended in order; the sink never holds them all (it streams to disk), so a writer
/// can produce a file larger than memory while holding one row group at a time.
public protocol ByteSink: AnyObject, Sendable {
    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) async throws

    /// Bytes appended so far.
    var bytesWritten: UInt64 { get }
}

/// Produces the files of one SST: a data file (Parquet) and an optional index file (Puffin).
///
/// The write cache calls ``produce(data:index:)`` once per flush with two fresh sinks. A producer
/// that throws leaves whatever it wrote to be discarded by the cache; one that writes nothing to
/// `data` (zero rows) makes the flush a no-op: nothing is cached or uploaded (as in the
/// reference). Writing nothing to `index` means the SST has no index file.
public protocol SSTProducer: Sendable {
    /// Writes the SST's files.
    ///
    /// - Parameters:
    ///   - data: the sink of the data file (`.parquet`).
    ///   - index: the sink of the index file (`.puffin`).
    /// - Returns: what was written: rows and metadata.
    func produce(data: any ByteSink, index: any ByteSink) async throws -> SSTSummary
}

/// What an ``SSTProducer`` wrote.
public struct SSTSummary: Sendable, Equatable {
    /// Rows in the data file.
    public var rows: UInt64
    /// Key-value metadata of the SST (the region metadata, row-group count, ...).
    public var metadata: [String: String]

    public init(rows: UInt64, metadata: [String: String] = [:]) {
        self.rows = rows
        self.metadata = metadata
    }
}
