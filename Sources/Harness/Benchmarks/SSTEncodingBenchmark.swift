import Foundation
import Platform
public import SSTFormat

/// `bench sst`: encodes the same flush with our Parquet writer and with pyarrow, side by side.
///
/// The table is the DESIGN.md reference: 1,000,000 rows of 1 tag (1000 hosts), ts, 2 doubles,
/// `__sequence`, `__op_type`, in row groups of 102,400, uncompressed (or zstd for all tools), the
/// tag dictionary-encoded.
/// Every tool runs as a child process (ours is `flushbench bench sst-worker`), so peak RSS is
/// measured the same way for all; each child builds the table in memory first (not timed) and
/// reports the seconds of the encode-and-write alone. Rounds interleave the tools; figures are
/// medians.
public struct SSTEncodingBenchmark: Sendable {
    /// What to run.
    public struct Options: Sendable {
        /// The `flushbench` executable that serves `bench sst-worker`.
        public var flushbenchExecutable: String
        /// Rows in the table.
        public var rows = 1_000_000
        /// Rows per row group.
        public var rowGroupSize = 102_400
        /// Rounds per tool.
        public var rounds = 5
        /// The table's seed.
        public var seed: UInt64 = 42
        /// The Python interpreter with pyarrow.
        public var python = "python3"
        /// Zstandard level for every tool's pages; `nil` for uncompressed.
        public var zstdLevel: Int32?

        public init(flushbenchExecutable: String) {
            self.flushbenchExecutable = flushbenchExecutable
        }
    }

    /// One child's own report: the encode's seconds and the file's size.
    public struct WorkerResult: Sendable, Codable {
        /// Rows encoded.
        public var rows: Int
        /// Seconds of the encode and write alone.
        public var seconds: Double
        /// Bytes of the file written.
        public var bytes: UInt64

        public init(rows: Int, seconds: Double, bytes: UInt64) {
            self.rows = rows
            self.seconds = seconds
            self.bytes = bytes
        }
    }

    /// What to run.
    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// The benchmark's flush: one tag of 1000 hosts, two doubles, no nullable fields.
    public static func spec(rows: Int, seed: UInt64) -> FlushDataSpec {
        FlushDataSpec(seed: seed, rows: rows, tags: [.init(name: "host", cardinality: 1000)], doubleFields: ["cpu", "memory"])
    }

    /// Encodes the benchmark table into `output` in this process and times it (the worker's job).
    ///
    /// - Throws: ``SSTFormatError`` for bad settings; ``LocalFileError`` when `output` cannot be written.
    public static func encodeOnce(rows: Int, rowGroupSize: Int, seed: UInt64, zstdLevel: Int32? = nil, output: String) async throws -> WorkerResult {
        let generator = try FlushDataGenerator(spec(rows: rows, seed: seed))
        let batch = generator.batch(0..<rows)
        let sink = LocalFileSink(path: output)
        // The blocking-I/O pool lives as long as the process (as pyarrow's thread pools do, set
        // up on import): start it before the clock.
        _ = try await BlockingIO.run { 0 }
        let start = ContinuousClock.now
        let compression = zstdLevel.map { ParquetCompression.zstd(level: $0) } ?? .uncompressed
        var writer = try ParquetWriter(schema: generator.schema, sink: sink,
                                       options: ParquetWriterOptions(rowGroupSize: rowGroupSize, compression: compression))
        try await writer.write(batch)
        try await writer.finish()
        sink.close()
        let elapsed = ContinuousClock.now - start
        let seconds = elapsed.inSeconds
        return WorkerResult(rows: rows, seconds: seconds, bytes: sink.bytesWritten)
    }

    /// Runs every round and returns the report; `progress` gets a line per round.
    ///
    /// - Throws: ``SSTFormatError`` when our worker fails or writes a file whose footer is wrong;
    ///   a failing pyarrow is recorded as a note in its entry instead.
    public func run(progress: (String) -> Void) async throws -> SideBySideReport {
        let directory = NSTemporaryDirectory() + "flushbench-sst-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generator = try FlushDataGenerator(Self.spec(rows: options.rows, seed: options.seed))
        try await generator.batch(0..<options.rows).exportRawColumns(schema: generator.schema, to: directory + "/raw")
        let script = directory + "/pyarrow_sst.py"
        try Self.pyarrowScript.write(toFile: script, atomically: true, encoding: .utf8)

        struct Tool {
            var name: String
            var command: ChildProcess
            var output: String
        }
        let ours = directory + "/flushbench.parquet"
        let dictionaryOut = directory + "/pyarrow.parquet"
        let stringOut = directory + "/pyarrow-string.parquet"
        let common = [String(options.rowGroupSize), options.zstdLevel.map(String.init) ?? "none"]
        let tools = [
            Tool(name: "flushbench", command: ChildProcess(options.flushbenchExecutable, [
                "bench", "sst-worker", "--rows", String(options.rows), "--row-group-size", String(options.rowGroupSize),
                "--seed", String(options.seed), "--output", ours] + (options.zstdLevel.map { ["--zstd-level", String($0)] } ?? [])),
                 output: ours),
            Tool(name: "pyarrow", command: ChildProcess(options.python, [script, directory + "/raw", dictionaryOut, "dictionary"] + common),
                 output: dictionaryOut),
            Tool(name: "pyarrow-str", command: ChildProcess(options.python, [script, directory + "/raw", stringOut, "string"] + common),
                 output: stringOut),
        ]
        var seconds = Array(repeating: [Double](), count: tools.count)
        var bytes = Array(repeating: UInt64(0), count: tools.count)
        var peak = Array(repeating: UInt64(0), count: tools.count)
        var failures = Array(repeating: String?.none, count: tools.count)
        for round in 1...options.rounds {
            for (i, tool) in tools.enumerated() where failures[i] == nil {
                try? FileManager.default.removeItem(atPath: tool.output)
                let outcome = try await tool.command.run()
                let line = outcome.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
                guard outcome.status == 0, let result = try? JSONDecoder().decode(WorkerResult.self, from: Data(line.utf8)) else {
                    let why = "exited \(outcome.status): \(outcome.standardError.suffix(300))"
                    if i == 0 {
                        throw SSTFormatError(code: .io, operation: "bench sst", message: "our sst-worker failed: \(why)")
                    }
                    failures[i] = why
                    progress("round \(round): \(tool.name) failed: \(why)")
                    continue
                }
                seconds[i].append(result.seconds)
                bytes[i] = result.bytes
                peak[i] = max(peak[i], outcome.peakRSSBytes)
                progress(String(format: "round %d: %@ encode %.3f s, %.1f M rows/s, %.1f MiB/s (whole process %.2f s), peak RSS %.0f MiB",
                                round, tool.name, result.seconds, Double(result.rows) / result.seconds / 1e6,
                                Double(result.bytes) / result.seconds / 1_048_576, outcome.seconds, Double(outcome.peakRSSBytes) / 1_048_576))
            }
        }
        // Our file must be a whole, readable Parquet file of every row.
        let footer = try await ParquetFooterReader.read(path: ours)
        guard footer.numRows == Int64(options.rows) else {
            throw SSTFormatError(code: .corrupt, operation: "bench sst", path: ours,
                                 message: "our file holds \(footer.numRows) rows, not \(options.rows)")
        }
        var entries: [SideBySideReport.Entry] = []
        for (i, tool) in tools.enumerated() {
            if let failure = failures[i], seconds[i].isEmpty {
                entries.append(SideBySideReport.Entry(tool: tool.name, seconds: 0, throughput: 0, unit: "rows/s", peakRssBytes: 0, note: failure))
                continue
            }
            let median = SideBySideReport.median(seconds[i])
            entries.append(SideBySideReport.Entry(tool: tool.name, seconds: median, throughput: Double(options.rows) / median,
                                                  unit: "rows/s", peakRssBytes: peak[i]))
            progress(String(format: "%@: median %.3f s = %.2f M rows/s, %.1f MiB/s (file %.1f MiB)", tool.name, median,
                            Double(options.rows) / median / 1e6, Double(bytes[i]) / median / 1_048_576, Double(bytes[i]) / 1_048_576))
        }
        let codec = options.zstdLevel.map { "zstd level \($0)" } ?? "uncompressed"
        return SideBySideReport(
            work: "encode \(options.rows) rows (1 tag x 1000 hosts, ts, 2 doubles, __sequence, __op_type) to \(codec) Parquet, row groups of \(options.rowGroupSize)",
            rounds: options.rounds, results: entries)
    }
}
