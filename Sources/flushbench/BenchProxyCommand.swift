import ArgumentParser
import Foundation
import Harness

/// `flushbench bench proxy`: what the network fault proxy costs when it injects nothing.
struct BenchProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Upload to a managed SeaweedFS directly and through the fault proxy with an empty plan, interleaved rounds (goal: under 5% overhead), plus the proxy's CPU seconds per GiB."
    )

    @Option(help: "Objects uploaded per round.")
    var objects = 16

    @Option(help: "MiB per object.")
    var objectMib = 16

    @Option(help: "MiB per multipart part.")
    var partMib = 8

    @Option(help: "Objects uploaded at once.")
    var concurrency = 4

    @Option(help: "Rounds per path, at least 5 (figures are medians).")
    var rounds = 5

    @Option(help: "Directory to write the JSON report to (bench-proxy-<timestamp>.json); none when omitted.")
    var out: String?

    func validate() throws {
        guard objects > 0, objectMib > 0, concurrency > 0 else { throw ValidationError("--objects, --object-mib and --concurrency must be positive") }
        guard partMib >= 5 else { throw ValidationError("--part-mib must be at least 5 (S3's smallest part)") }
        guard rounds >= 5 else { throw ValidationError("--rounds must be at least 5, found \(rounds)") }
    }

    func run() async throws {
        let benchmark = ProxyOverheadBenchmark(configuration: .init(
            objects: objects, objectSize: objectMib << 20, partSize: partMib << 20, concurrency: concurrency, rounds: rounds))
        let report = try await benchmark.run()
        print(report.table())
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            let path = "\(out)/bench-proxy-\(stamp).json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: path))
            print("written: \(path)")
        }
    }
}
