import Foundation
import ObjectStore
import Servers
import Platform
import WriteCache

/// The side-by-side S3 transfer benchmarks: the same files uploaded to (or downloaded from) one
/// managed SeaweedFS by our bare ``S3Store`` (`flushbench`), by the ``WriteCache`` from and into
/// a cache directory (`flushbench-cache`, uploads verified), rclone, aws-cli, curl (8 in
/// parallel) and, for uploads, curl sending each file's `x-amz-checksum-sha256` as we do
/// (`curl-sha256`), interleaved over several rounds; the report holds each tool's medians.
///
/// Every tool runs as a child process, so wall time and peak RSS are measured the same way for
/// all. After each run the result is checked (uploads: the objects are listed, count and bytes
/// must match; downloads: the files' count and sizes must match), else the tool's figure is
/// replaced by a note; then it is deleted.
public struct S3TransferBenchmark: Sendable {
    /// Which way the bytes go.
    public enum Direction: String, Sendable {
        case upload, download
    }

    /// What to transfer and how often.
    public struct Options: Sendable {
        /// Upload or download.
        public var direction: Direction = .upload
        /// Number of files.
        public var files: Int = 32
        /// Size of each file in bytes.
        public var fileSize: Int = 16 << 20
        /// Rounds per tool (medians are over these).
        public var rounds: Int = 3
        /// Files (or transfers) in flight for every tool.
        public var parallel: Int = 8
        /// Files in flight for flushbench, when it should differ from ``parallel`` (tuning).
        public var flushbenchParallel: Int?
        /// Our part size (a file up to this size goes up with one PUT) or range size (download).
        public var partSize: Int = 16 << 20
        /// Our parts (or ranges) in flight per file.
        public var partConcurrency: Int = 4
        /// The tools to run, from ``tools(for:)``.
        public var tools: [String] = ["flushbench", "flushbench-cache", "rclone", "aws-cli", "curl", "curl-sha256"]
        /// The `flushbench` executable that runs our worker.
        public var flushbenchExecutable: String

        /// Creates options with the default work (32 x 16 MiB, 3 rounds, 8 in parallel).
        public init(flushbenchExecutable: String) {
            self.flushbenchExecutable = flushbenchExecutable
        }
    }

    /// The options of this run.
    public var options: Options

    /// The tools that can run in `direction` (`curl-sha256` only uploads: a download sends no
    /// checksum).
    public static func tools(for direction: Direction) -> [String] {
        direction == .upload ? ["flushbench", "flushbench-cache", "rclone", "aws-cli", "curl", "curl-sha256"]
            : ["flushbench", "flushbench-cache", "rclone", "aws-cli", "curl"]
    }

    /// Creates the benchmark.
    public init(options: Options) {
        self.options = options
    }

    /// Starts SeaweedFS, writes the files (and uploads them once, for a download), runs every
    /// tool each round, and returns the medians.
    ///
    /// - Parameter log: receives one line per run, for progress output.
    /// - Errors: when SeaweedFS cannot start or the files cannot be written. A tool that is not
    ///   installed or fails gets a note instead of figures.
    public func run(log: @Sendable (String) -> Void) async throws -> SideBySideReport {
        let server = try await SeaweedFS.start(bucket: "bench")
        let workDirectory = try await BlockingIO.run { try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-bench-s3") }
        do {
            let report = try await measure(server: server, workDirectory: workDirectory, log: log)
            await cleanUp(server: server, workDirectory: workDirectory)
            return report
        } catch {
            await cleanUp(server: server, workDirectory: workDirectory)
            throw error
        }
    }

    private func cleanUp(server: SeaweedFS, workDirectory: String) async {
        await server.stop()
        _ = try? await BlockingIO.run { try LocalFiles.removeTree(workDirectory) }
    }

    private func measure(server: SeaweedFS, workDirectory: String, log: @Sendable (String) -> Void) async throws -> SideBySideReport {
        let dataDirectory = workDirectory + "/data"
        try await writeFiles(into: dataDirectory)
        let store = S3Store(configuration: server.configuration)
        let totalBytes = UInt64(options.files) * UInt64(options.fileSize)
        let mebibytes = Double(totalBytes) / 1_048_576
        let tools = Set(options.tools)
        let setup = try await prepare(dataDirectory: dataDirectory, workDirectory: workDirectory, store: store,
                                      cache: tools.contains("flushbench-cache"), checksums: tools.contains("curl-sha256"))
        if options.direction == .download {
            let uploader = S3TransferWorker(filesInFlight: options.parallel, partSize: options.partSize, partConcurrency: options.partConcurrency)
            _ = try await uploader.upload(directory: dataDirectory, to: store, keyPrefix: Self.sourcePrefix)
            _ = try await BlockingIO.run { try LocalFiles.removeTree(dataDirectory) }
        }

        var seconds: [String: [Double]] = [:]
        var peaks: [String: UInt64] = [:]
        var notes: [String: String] = [:]
        for round in 0..<options.rounds {
            // Interleaved: each round starts with a different tool.
            let order = (0..<options.tools.count).map { options.tools[($0 + round) % options.tools.count] }
            for tool in order where notes[tool] == nil {
                let run = Run(tool: tool, prefix: "\(tool)-r\(round)/", dataDirectory: dataDirectory,
                              downloadDirectory: workDirectory + "/download-\(tool)-r\(round)", workDirectory: workDirectory)
                let command = try childProcess(for: run, server: server, setup: setup)
                guard command.isAvailable else {
                    notes[tool] = "not installed (run `make setup-bench`)"
                    continue
                }
                let outcome = try await command.run()
                let (count, bytes) = try await collect(run, store: store)
                guard outcome.status == 0, count == options.files, bytes == totalBytes else {
                    let detail = outcome.standardError.split(separator: "\n").suffix(3).joined(separator: " | ")
                    notes[tool] = "failed: exit \(outcome.status), \(count) of \(options.files) files; \(detail)"
                    log("round \(round + 1) \(tool): \(notes[tool]!)")
                    continue
                }
                seconds[tool, default: []].append(outcome.seconds)
                peaks[tool] = max(peaks[tool] ?? 0, outcome.peakRSSBytes)
                log(String(format: "round %d %@: %.2f s, %.1f MiB/s, peak RSS %.0f MiB", round + 1, tool,
                           outcome.seconds, mebibytes / outcome.seconds, Double(outcome.peakRSSBytes) / 1_048_576))
            }
        }
        let entries = options.tools.map { tool -> SideBySideReport.Entry in
            if let note = notes[tool] {
                return SideBySideReport.Entry(tool: tool, seconds: 0, throughput: 0, unit: "MiB/s", peakRssBytes: 0, note: note)
            }
            let median = SideBySideReport.median(seconds[tool] ?? [])
            return SideBySideReport.Entry(tool: tool, seconds: median, throughput: median > 0 ? mebibytes / median : 0,
                                          unit: "MiB/s", peakRssBytes: peaks[tool] ?? 0)
        }
        let size = options.fileSize >= 1 << 20 ? "\(options.fileSize >> 20) MiB" : "\(options.fileSize) B"
        let way = options.direction == .upload ? "upload \(options.files) x \(size) to" : "download \(options.files) x \(size) from"
        return SideBySideReport(work: "\(way) SeaweedFS on loopback, \(options.parallel) in parallel",
                                rounds: options.rounds, results: entries)
    }

    /// Writes the files (incompressible bytes, different per file), each framed as a Parquet
    /// file (`PAR1` at both ends, an empty footer) so the cache indexes it like an SST.
    private func writeFiles(into directory: String) async throws {
        let files = options.files
        let size = options.fileSize
        try await BlockingIO.run {
            try LocalFiles.createDirectories(directory)
            for index in 0..<files {
                let file = try LocalFile.create(directory + "/" + Self.fileName(index))
                defer { file.close() }
                var state = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
                var offset = 0
                let chunk = 1 << 20
                var bytes = [UInt8](repeating: 0, count: min(chunk, size))
                while offset < size {
                    let count = min(chunk, size - offset)
                    bytes.withUnsafeMutableBytes { buffer in
                        let words = buffer.bindMemory(to: UInt64.self)
                        for word in 0..<(count / 8) {
                            state ^= state << 13
                            state ^= state >> 7
                            state ^= state << 17
                            words[word] = state
                        }
                    }
                    try file.write(Array(bytes[0..<count]), at: UInt64(offset))
                    offset += count
                }
                if size >= 12 {
                    let magic = Array("PAR1".utf8)
                    try file.write(magic, at: 0)
                    try file.write([0, 0, 0, 0] + magic, at: UInt64(size - 8))
                }
            }
        }
    }

    /// Where one tool's run puts its bytes.
    struct Run {
        var tool: String
        /// The key prefix an upload writes under.
        var prefix: String
        /// The files an upload reads.
        var dataDirectory: String
        /// The directory a download writes into.
        var downloadDirectory: String
        var workDirectory: String
    }

    /// Where the download benchmark's objects live.
    static let sourcePrefix = "source/"

    /// Counts what `run` transferred (objects under its prefix, or files in its download
    /// directory), then deletes it.
    private func collect(_ run: Run, store: S3Store) async throws -> (count: Int, bytes: UInt64) {
        let onlyCacheFiles = run.tool == "flushbench-cache"
        switch options.direction {
        case .upload:
            let uploaded = try await store.list(prefix: run.prefix)
            for object in uploaded { try await store.delete(key: object.key) }
            return (uploaded.count, uploaded.reduce(0) { $0 + $1.size })
        case .download:
            let directory = run.downloadDirectory
            return try await BlockingIO.run {
                // A cache directory also holds its lock, temp directory and orphan ledger.
                let names = (LocalFiles.isDirectory(directory) ? try LocalFiles.listDirectory(directory) : [])
                    .filter { !onlyCacheFiles || FileKey(fileName: $0) != nil }
                var bytes: UInt64 = 0
                for name in names { bytes += try LocalFiles.status(directory + "/" + name)?.size ?? 0 }
                if LocalFiles.isDirectory(directory) { try LocalFiles.removeTree(directory) }
                return (names.count, bytes)
            }
        }
    }

    /// The name of file number `index`.
    static func fileName(_ index: Int) -> String {
        "file-\(String(format: "%03d", index)).bin"
    }
}
