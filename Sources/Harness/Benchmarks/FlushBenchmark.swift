import Foundation
import ObjectStore
import Platform
import Servers
import SSTFormat

/// The flush benchmark: one SST of a given size through the write cache to a managed SeaweedFS
/// (`flushbench bench flush`), end to end against the sum of its parts, with the worker's peak
/// RSS checked against the cache's memory bound.
///
/// The bound (README, "Memory"): peak RSS ≤ part size × parts in flight × uploads in flight
/// + 2 row groups being encoded per flush + 64 MiB, whatever the file size. Here one flush at a
/// time, so one upload in flight; a row group's size is estimated from a calibration encode.
public struct FlushBenchmark: Sendable {
    /// What to run.
    public struct Options: Sendable {
        /// Target size of the SST's data file.
        public var sstBytes: UInt64 = 256 << 20
        /// Rows per row group.
        public var rowGroupSize = 102_400
        /// The cache's part size and parts in flight.
        public var partSize = 8 << 20
        public var partConcurrency = 8
        /// The `flushbench` executable that runs the worker.
        public var flushbenchExecutable: String

        public init(flushbenchExecutable: String) {
            self.flushbenchExecutable = flushbenchExecutable
        }
    }

    /// What one run found.
    public struct Report: Sendable, Codable {
        public var work: String
        public var outcome: FlushBenchmarkWorker.Outcome
        public var sumOfPartsSeconds: Double
        public var peakRssBytes: UInt64
        public var boundBytes: UInt64
        public var bound: String
        public var withinBound: Bool
    }

    public var options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Estimates the encoded bytes per row from 100,000 rows.
    static func bytesPerRow(rowGroupSize: Int) async throws -> Double {
        let sink = DiscardingSink()
        let rows = 100_000
        _ = try await FlushBenchmarkWorker.producer(rows: rows, rowGroupSize: rowGroupSize).produce(data: sink, index: DiscardingSink())
        return Double(sink.bytesWritten) / Double(rows)
    }

    /// Starts SeaweedFS, runs the worker, and checks its peak RSS against the bound.
    ///
    /// - Errors: when SeaweedFS cannot start or the worker fails (its last lines are in the
    ///   error).
    public func run(log: @Sendable (String) -> Void) async throws -> Report {
        let perRow = try await Self.bytesPerRow(rowGroupSize: options.rowGroupSize)
        let rows = max(1, Int(Double(options.sstBytes) / perRow))
        let rowGroupBytes = UInt64(perRow * Double(options.rowGroupSize))
        let boundBytes = UInt64(options.partSize) * UInt64(options.partConcurrency) * 1 + 2 * rowGroupBytes + (64 << 20)
        log(String(format: "%.1f bytes per row: %d rows for %.0f MiB", perRow, rows, Double(options.sstBytes) / 1_048_576))

        let server = try await SeaweedFS.start(bucket: "flush-bench")
        let directory = try await BlockingIO.run { try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-bench-flush") }
        defer {
            try? LocalFiles.removeTree(directory)
        }
        let outcome: ChildProcess.Outcome
        do {
            let configuration = server.configuration
            outcome = try await ChildProcess(options.flushbenchExecutable, [
                "bench", "flush-worker", "--rows", String(rows), "--row-group-size", String(options.rowGroupSize),
                "--part-size", String(options.partSize), "--part-concurrency", String(options.partConcurrency),
                "--bucket", configuration.bucket, "--dir", directory + "/cache",
            ], environment: [
                "AWS_ENDPOINT_URL": configuration.endpoint, "AWS_ACCESS_KEY_ID": configuration.credentials.accessKeyID,
                "AWS_SECRET_ACCESS_KEY": configuration.credentials.secretAccessKey, "AWS_REGION": configuration.region,
            ]).run()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        guard outcome.status == 0,
              let line = outcome.standardOutput.split(separator: "\n").last,
              let result = try? JSONDecoder().decode(FlushBenchmarkWorker.Outcome.self, from: Data(line.utf8)) else {
            let detail = outcome.standardError.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw LocalFileError(code: .io, operation: "bench flush", path: options.flushbenchExecutable,
                                 message: "the flush worker failed: exit \(outcome.status); \(detail)")
        }
        let mib = { (bytes: UInt64) in bytes >> 20 }
        let bound = "\(mib(UInt64(options.partSize))) MiB part x \(options.partConcurrency) parts x 1 upload + 2 x \(mib(rowGroupBytes)) MiB row groups + 64 MiB"
        let sum = result.encodeSeconds + result.cacheWriteSeconds + result.uploadSeconds
        return Report(work: String(format: "one SST of %.0f MiB (%d rows) through the write cache to SeaweedFS, parts of %d MiB x %d",
                                   Double(result.dataBytes) / 1_048_576, rows, options.partSize >> 20, options.partConcurrency),
                      outcome: result, sumOfPartsSeconds: sum, peakRssBytes: outcome.peakRSSBytes,
                      boundBytes: boundBytes, bound: bound, withinBound: outcome.peakRSSBytes <= boundBytes)
    }
}

extension FlushBenchmark.Report {
    /// The report as a table: each phase's time and rate, end to end against the sum of the
    /// parts, peak RSS against the bound.
    public func table() -> String {
        let mib = Double(outcome.dataBytes) / 1_048_576
        func row(_ name: String, _ seconds: Double) -> String {
            name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%8.2f s  %8.1f MiB/s", seconds, seconds > 0 ? mib / seconds : 0)
        }
        var lines = [work, ""]
        lines.append(row("encode", outcome.encodeSeconds))
        lines.append(row("cache write", outcome.cacheWriteSeconds))
        lines.append(row("upload+verify", outcome.uploadSeconds) + String(format: "  (verify: one stat, %.3f s)", outcome.verifySeconds))
        lines.append(row("sum of the parts", sumOfPartsSeconds))
        lines.append(row("end-to-end", outcome.endToEndSeconds)
                     + String(format: "  (%.2fx the sum of the parts)", sumOfPartsSeconds > 0 ? outcome.endToEndSeconds / sumOfPartsSeconds : 0))
        lines.append(row("download", outcome.downloadSeconds))
        lines.append("")
        lines.append(String(format: "peak RSS %.0f MiB, bound %.0f MiB (%@): %@", Double(peakRssBytes) / 1_048_576,
                            Double(boundBytes) / 1_048_576, bound, withinBound ? "within" : "EXCEEDED"))
        return lines.joined(separator: "\n")
    }

    /// Writes the report as `bench-flush-<timestamp>.json` under `directory`.
    public func write(to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        let path = directory + "/bench-flush-\(stamp).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
        return path
    }
}
