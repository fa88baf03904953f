#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ObjectStore
import Platform
import SSTFormat
import WriteCache

/// Measures the write cache against a local store: flushes written into the cache and uploaded
/// to a ``FileSystemStore`` (or a ``MemoryStore``), then evicted and downloaded back, beside
/// `dd` writing the same bytes with `fsync` on the same disk.
public struct CacheBenchmark: Sendable {
    /// Files per round.
    public var files: Int
    /// Bytes per file.
    public var fileSize: Int
    /// Rounds (medians are reported).
    public var rounds: Int
    /// `fs` or `memory`.
    public var storeKind: String
    /// Where the cache and the store live (a temp directory under it is removed afterwards).
    public var workDirectory: String

    public init(files: Int = 16, fileSize: Int = 32 << 20, rounds: Int = 3, storeKind: String = "fs", workDirectory: String = "/tmp") {
        self.files = files
        self.fileSize = fileSize
        self.rounds = rounds
        self.storeKind = storeKind
        self.workDirectory = workDirectory
    }

    /// Writes bytes of one file in 1 MiB chunks.
    struct FixedProducer: SSTProducer {
        let size: Int
        func produce(data: any ByteSink, index: any ByteSink) async throws -> SSTSummary {
            let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
            var left = size
            while left > 0 {
                let n = min(left, chunk.count)
                try await data.write(n == chunk.count ? chunk : Array(chunk[..<n]))
                left -= n
            }
            return SSTSummary(rows: UInt64(size / 64))
        }
    }

    /// Runs the rounds and returns the upload and download reports.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> [SideBySideReport] {
        let totalMiB = Double(files * fileSize) / 1_048_576
        var upload: [Double] = [], download: [Double] = [], dd: [Double] = []
        var ddRSS: UInt64 = 0
        for round in 1...rounds {
            let root = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-bench-cache")
            defer { try? LocalFiles.removeTree(root) }
            let store: any ObjectStore = storeKind == "memory" ? MemoryStore() : try await FileSystemStore.open(root: root + "/remote")
            let fileCache = try await FileCache.open(FileCacheConfiguration(directory: root + "/cache", capacity: UInt64(files * fileSize) * 2))
            let cache = WriteCache(fileCache: fileCache, store: store)
            let started = ContinuousClock.now
            let keys = try await BoundedConcurrency.map(Array(0..<files), limit: 4) { index in
                let outcome = try await cache.writeAndUpload(Flush(region: UInt64(index % 4), producer: FixedProducer(size: fileSize)))
                return outcome.files[0].key
            }
            upload.append(totalMiB / (ContinuousClock.now - started).seconds)
            for key in keys { await fileCache.remove(key) }
            let downloadStart = ContinuousClock.now
            try await BoundedConcurrency.forEach(keys, limit: 4) { key in try await cache.download(key) }
            download.append(totalMiB / (ContinuousClock.now - downloadStart).seconds)
            fileCache.close()

            let ddOutcome = try await ChildProcess("dd", ["if=/dev/zero", "of=\(root)/dd.out", "bs=1M",
                                                          "count=\(files * fileSize >> 20)", "conv=fsync"]).run()
            if ddOutcome.status == 0 {
                dd.append(totalMiB / ddOutcome.seconds)
                ddRSS = max(ddRSS, ddOutcome.peakRSSBytes)
            }
            progress(String(format: "round %d/%d: flush+upload %.0f MiB/s, download %.0f MiB/s, dd %.0f MiB/s",
                            round, rounds, upload.last!, download.last!, dd.last ?? 0))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let ownRSS = UInt64(usage.ru_maxrss) * 1024
        let median = SideBySideReport.median
        let work = "\(files) x \(fileSize >> 20) MiB through the write cache to the \(storeKind) store (cache and store on the same disk), 4 flushes in flight"
        return [
            SideBySideReport(work: "flush + upload: " + work, rounds: rounds, results: [
                .init(tool: "flushbench", seconds: totalMiB / median(upload), throughput: median(upload), unit: "MiB/s", peakRssBytes: ownRSS),
                .init(tool: "dd", seconds: dd.isEmpty ? 0 : totalMiB / median(dd), throughput: median(dd), unit: "MiB/s", peakRssBytes: ddRSS,
                      note: dd.isEmpty ? "dd failed" : nil),
            ]),
            SideBySideReport(work: "download: " + work, rounds: rounds, results: [
                .init(tool: "flushbench", seconds: totalMiB / median(download), throughput: median(download), unit: "MiB/s", peakRssBytes: ownRSS),
            ]),
        ]
    }
}

extension Duration {
    /// The duration in seconds (Platform's ``inSeconds``), as the harness's reports read it.
    var seconds: Double { inSeconds }
}
