import ArgumentParser
import Harness

/// `flushbench bench recovery`: opening a cache of N files beside a Python `os.scandir` walk.
struct BenchRecoveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "Time opening a cache directory of N small files (recovery) beside a Python os.scandir walk doing the same reads."
    )

    @Option(help: "Files in the cache directory.")
    var files = 100_000

    @Option(help: "Rounds; medians are reported.")
    var rounds = 3

    @Option(help: "Where to make the directory (a temporary one, removed afterwards, when absent).")
    var workDir: String?

    @Option(help: "Directory for the JSON result.")
    var out = "Results/runs"

    func validate() throws {
        guard files > 0, rounds > 0 else { throw ValidationError("--files and --rounds must be positive") }
    }

    func run() async throws {
        let report = try await RecoveryBenchmark(files: files, rounds: rounds, directory: workDir).run { print($0) }
        print("")
        print(report.table())
        print("written to \(try report.write(name: "recovery", to: out))")
    }
}
