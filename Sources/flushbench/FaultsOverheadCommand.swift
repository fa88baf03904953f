import ArgumentParser
import Foundation
import Harness

/// `flushbench bench faults-overhead`: what the fault layer costs when it injects nothing.
struct FaultsOverheadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults-overhead",
        abstract: "Measure writes and stats on a memory store, bare and through a FaultyStore that injects nothing (goal: under 2% overhead)."
    )

    @Option(help: "MiB written per round.")
    var totalMib = 1024

    @Option(help: "MiB per write call.")
    var chunkMib = 8

    @Option(help: "Stat calls per round.")
    var stats = 100_000

    @Option(help: "Rounds per variant (figures are medians).")
    var rounds = 9

    @Option(help: "Run only one variant: bare, empty-plan or idle-rules (to profile it alone).")
    var only: String?

    @Flag(help: "Measure the range path instead: uploads of a local file's ranges and reads into a local file.")
    var range = false

    @Option(help: "Directory to write the JSON report to (bench-faults-overhead-<timestamp>.json); none when omitted.")
    var out: String?

    func validate() throws {
        guard totalMib > 0, chunkMib > 0, stats > 0, rounds > 0 else {
            throw ValidationError("--total-mib, --chunk-mib, --stats and --rounds must be positive")
        }
    }

    func run() async throws {
        var configuration = FaultOverheadBenchmark.Configuration(
            totalBytes: totalMib << 20, chunkSize: chunkMib << 20, stats: stats, rounds: rounds)
        configuration.onlyVariant = only?.replacingOccurrences(of: "-", with: " ")
        let benchmark = FaultOverheadBenchmark(configuration: configuration)
        if range {
            print(try await benchmark.runRange().table())
            return
        }
        let report = try await benchmark.run()
        print(report.table())
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            let path = "\(out)/bench-faults-overhead-\(stamp).json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: path))
            print("written: \(path)")
        }
    }
}
