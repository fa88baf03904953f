import Foundation
public import ObjectStore
import Platform
public import SSTFormat
import Synchronization
import WriteCache

/// A sink that counts and drops what it is given: the encoder alone, without a disk.
public final class DiscardingSink: ByteSink {
    private let written = Atomic<UInt64>(0)

    public init() {}

    public func write(_ bytes: [UInt8]) async throws {
        written.wrappingAdd(UInt64(bytes.count), ordering: .relaxed)
    }

    public var bytesWritten: UInt64 { written.load(ordering: .relaxed) }
}

/// The flush benchmark's measured side, run in a child process (`flushbench bench
/// flush-worker`) so its peak RSS is the process's own: one SST's path through the write cache
/// to S3, as a whole and in parts.
///
/// Phases, each timed alone: `encode` (the SST encoder into a discarding sink), `cache write`
/// (the encoded size written into the cache and committed), `upload+verify` (the write cache
/// uploading that cached file, verified), `verify` (one stat, what verification adds), then
/// `end-to-end` (``WriteCache/writeAndUpload(_:)`` of the same SST: encode, cache write,
/// upload, verify) and `download` (the end-to-end file evicted and downloaded back into the
/// cache).
public struct FlushBenchmarkWorker: Sendable {
    /// Timings (seconds) and sizes of one run; printed as one JSON line by the worker.
    public struct Outcome: Sendable, Codable {
        public var dataBytes: UInt64
        public var rows: Int
        public var encodeSeconds: Double
        public var cacheWriteSeconds: Double
        public var uploadSeconds: Double
        public var verifySeconds: Double
        public var endToEndSeconds: Double
        public var downloadSeconds: Double
    }

    /// Rows in the SST.
    public var rows: Int
    /// Rows per row group.
    public var rowGroupSize: Int
    /// Part size and parts in flight of the cache's transfers.
    public var partSize: Int
    public var partConcurrency: Int

    public init(rows: Int, rowGroupSize: Int, partSize: Int, partConcurrency: Int) {
        self.rows = rows
        self.rowGroupSize = rowGroupSize
        self.partSize = partSize
        self.partConcurrency = partConcurrency
    }

    /// The SST encoder of `rows` rows of the benchmark's table (1 tag of 1000 hosts, ts, two
    /// doubles, sequence, op type), without an index.
    public static func producer(rows: Int, rowGroupSize: Int, seed: UInt64 = 1) -> SSTFileProducer {
        SSTFileProducer(spec: FlushDataSpec(seed: seed, rows: rows, regionID: 1), options: SSTWriteOptions(rowGroupSize: rowGroupSize, index: false))
    }

    /// Runs every phase against `store` with a cache in `directory`.
    public func run(store: any ObjectStore, directory: String) async throws -> Outcome {
        let clock = ContinuousClock()
        let sink = DiscardingSink()
        let encode = try await clock.measure {
            _ = try await Self.producer(rows: rows, rowGroupSize: rowGroupSize).produce(data: sink, index: DiscardingSink())
        }
        let size = sink.bytesWritten
        let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory, capacity: max(size * 4, 1 << 30)))
        defer { fileCache.close() }
        let cache = WriteCache(fileCache: fileCache, store: store, configuration: WriteCacheConfiguration(
            partSize: partSize, uploadConcurrency: partConcurrency, downloadChunkSize: partSize, downloadConcurrency: partConcurrency,
            verifyUploads: true, remotePrefix: "flush-bench/"))

        let parts = FileKey(region: 1, fileID: UUID(), type: .parquet)
        let cacheWrite = try await clock.measure {
            let writer = try await fileCache.makeWriter(for: parts)
            let block = [UInt8](repeating: 0x5a, count: 1 << 20)
            var left = size
            while left > 0 {
                let count = Int(min(UInt64(block.count), left))
                try await writer.write(count == block.count ? block : Array(block[..<count]))
                left -= UInt64(count)
            }
            try await writer.commit()
        }
        let upload = try await clock.measure { _ = try await cache.upload(parts) }
        let verify = try await clock.measure { _ = try await store.stat(key: cache.remoteKey(for: parts)) }

        var flushed: FileKey?
        let endToEnd = try await clock.measure {
            let outcome = try await cache.writeAndUpload(Flush(region: 1, producer: Self.producer(rows: rows, rowGroupSize: rowGroupSize, seed: 2)))
            flushed = outcome.files.first?.key
        }
        guard let flushed else { throw WriteCacheError(code: .producer, message: "the flush of \(rows) rows produced no file") }
        await fileCache.remove(flushed)
        let download = try await clock.measure { try await cache.download(flushed) }
        for key in [parts, flushed] { try? await store.delete(key: cache.remoteKey(for: key)) }
        return Outcome(dataBytes: size, rows: rows, encodeSeconds: encode.inSeconds, cacheWriteSeconds: cacheWrite.inSeconds,
                       uploadSeconds: upload.inSeconds, verifySeconds: verify.inSeconds, endToEndSeconds: endToEnd.inSeconds,
                       downloadSeconds: download.inSeconds)
    }
}
