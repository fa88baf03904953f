import ArgumentParser
import Foundation
import Harness

/// `flushbench bench flush`: one SST through the write cache to SeaweedFS, end to end against
/// the sum of its parts, peak RSS checked against the memory bound.
struct BenchFlushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Flush one SST through the write cache to a managed SeaweedFS: encode, cache write, upload, verify, end to end, download; check peak RSS against the memory bound (exit 1 when exceeded)."
    )

    @Option(name: .customLong("sst-mib"), help: "Size of the SST's data file in MiB (2048 proves the bound is flat in file size).")
    var sstMiB = 256

    @Option(help: "Rows per row group.")
    var rowGroupSize = 102_400

    @Option(name: .customLong("part-mib"), help: "The cache's part (and download range) size in MiB, at least 5.")
    var partMiB = 8

    @Option(help: "Parts (and ranges) in flight per file.")
    var partConcurrency = 8

    @Option(help: "Directory for the JSON report.")
    var out = "Results/runs"

    func validate() throws {
        guard sstMiB > 0, rowGroupSize > 0, partConcurrency > 0 else {
            throw ValidationError("--sst-mib, --row-group-size and --part-concurrency must be positive")
        }
        guard partMiB >= 5 else { throw ValidationError("--part-mib must be at least 5 (S3's smallest part)") }
    }

    func run() async throws {
        var options = FlushBenchmark.Options(flushbenchExecutable: try ownExecutable())
        options.sstBytes = UInt64(sstMiB) << 20
        options.rowGroupSize = rowGroupSize
        options.partSize = partMiB << 20
        options.partConcurrency = partConcurrency
        let report = try await FlushBenchmark(options: options).run { line in print(line) }
        print("")
        print(report.table())
        print("\nwritten to \(try report.write(to: out))")
        if !report.withinBound { throw ExitCode(1) }
    }
}

/// `flushbench bench flush-worker`: the measured side of `bench flush`, in a child process.
struct BenchFlushWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush-worker",
        abstract: "Run the flush benchmark's phases against the S3 endpoint of the AWS_* variables; print the timings as JSON.",
        shouldDisplay: false
    )

    @Option(help: "Rows in the SST.")
    var rows: Int

    @Option(help: "Rows per row group.")
    var rowGroupSize = 102_400

    @Option(help: "Part size in bytes.")
    var partSize = 8 << 20

    @Option(help: "Parts in flight per file.")
    var partConcurrency = 8

    @Option(help: "Bucket to use.")
    var bucket: String

    @Option(help: "The cache directory (created).")
    var dir: String

    func run() async throws {
        let store = try S3TransferWorker.storeFromEnvironment(bucket: bucket)
        let worker = FlushBenchmarkWorker(rows: rows, rowGroupSize: rowGroupSize, partSize: partSize, partConcurrency: partConcurrency)
        let outcome = try await worker.run(store: store, directory: dir)
        print(String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self))
    }
}
