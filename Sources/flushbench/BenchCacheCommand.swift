import ArgumentParser
import Harness

/// `flushbench bench cache`: the write cache's own throughput against a local store, beside dd.
struct BenchCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Flush+upload and download throughput of the write cache against a local store, beside dd."
    )

    @Option(help: "Files per round.")
    var files = 16

    @Option(name: .customLong("file-mib"), help: "MiB per file.")
    var fileMiB = 32

    @Option(help: "Rounds; medians are reported.")
    var rounds = 3

    @Option(help: "The store: fs (a directory on the same disk) or memory.")
    var store = "fs"

    @Option(help: "Directory for the JSON result.")
    var out = "Results/runs"

    func validate() throws {
        guard files > 0, fileMiB > 0, rounds > 0 else { throw ValidationError("--files, --file-mib and --rounds must be positive") }
        guard ["fs", "memory"].contains(store) else { throw ValidationError("--store must be 'fs' or 'memory', not '\(store)'") }
    }

    func run() async throws {
        let benchmark = CacheBenchmark(files: files, fileSize: fileMiB << 20, rounds: rounds, storeKind: store)
        let reports = try await benchmark.run { print($0) }
        for (report, name) in zip(reports, ["cache-upload", "cache-download"]) {
            print("")
            print(report.table())
            let path = try report.write(name: name, to: out)
            print("written to \(path)")
        }
    }
}
