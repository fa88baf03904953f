import ArgumentParser
import Foundation
import Harness

/// `flushbench bench sst`: our Parquet writer beside pyarrow on the same table.
struct BenchSSTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sst",
        abstract: "Encode the same flush to Parquet with flushbench and with pyarrow; print medians of interleaved rounds."
    )

    @Option(help: "Rows in the table.")
    var rows = 1_000_000

    @Option(help: "Rows per row group.")
    var rowGroupSize = 102_400

    @Option(help: "Rounds per tool; the figures are medians over the rounds.")
    var rounds = 5

    @Option(help: "Seed of the table.")
    var seed: UInt64 = 42

    @Option(help: "Python interpreter with pyarrow.")
    var python = "python3"

    @Option(help: "Compress pages with zstd at this level (every tool); uncompressed when absent.")
    var zstdLevel: Int32?

    @Option(help: "Directory for the JSON report.")
    var out = "Results/runs"

    func validate() throws {
        guard rows > 0, rowGroupSize > 0, rounds > 0 else {
            throw ValidationError("--rows, --row-group-size and --rounds must be positive")
        }
    }

    func run() async throws {
        var options = SSTEncodingBenchmark.Options(flushbenchExecutable: Self.executablePath())
        options.rows = rows
        options.rowGroupSize = rowGroupSize
        options.rounds = rounds
        options.seed = seed
        options.python = python
        options.zstdLevel = zstdLevel
        let report = try await SSTEncodingBenchmark(options: options).run { line in print(line) }
        print("")
        print(report.table())
        let path = try report.write(name: "sst", to: out)
        print("\nreport: \(path)")
    }

    /// This executable's path, for the worker child.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// `flushbench bench sst-worker`: one timed encode of the benchmark table (run by `bench sst`).
struct BenchSSTWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sst-worker",
        abstract: "Encode the benchmark table once and print the timing as JSON (used by `bench sst`).",
        shouldDisplay: false
    )

    @Option(help: "Rows in the table.")
    var rows = 1_000_000

    @Option(help: "Rows per row group.")
    var rowGroupSize = 102_400

    @Option(help: "Seed of the table.")
    var seed: UInt64 = 42

    @Option(help: "Compress pages with zstd at this level; uncompressed when absent.")
    var zstdLevel: Int32?

    @Option(help: "The Parquet file to write (must not exist).")
    var output: String

    func run() async throws {
        let result = try await SSTEncodingBenchmark.encodeOnce(rows: rows, rowGroupSize: rowGroupSize, seed: seed, zstdLevel: zstdLevel, output: output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
