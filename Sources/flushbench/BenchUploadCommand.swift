import ArgumentParser
import Foundation
import Harness

/// `flushbench bench upload`: our S3 upload beside rclone, aws-cli and curl.
struct BenchUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload the same files to one managed SeaweedFS with flushbench, rclone, aws-cli and curl; print medians."
    )

    @Option(help: "Number of files to upload.")
    var files = 32

    @Option(name: .customLong("file-mib"), help: "Size of each file in MiB.")
    var fileMiB = 16

    @Option(help: "Rounds per tool; the figures are medians over the rounds.")
    var rounds = 3

    @Option(help: "Files (transfers) in flight for every tool.")
    var parallel = 8

    @Option(name: .customLong("part-mib"), help: "flushbench's multipart part size in MiB (at least 5); a file up to this size is one PUT.")
    var partMiB = 16

    @Option(help: "flushbench's parts in flight per file.")
    var partConcurrency = 4

    @Option(help: "Comma-separated tools to run: flushbench, rclone, aws-cli, curl.")
    var tools = "flushbench,rclone,aws-cli,curl"

    @Option(help: "Directory for the JSON report.")
    var out = "Results/runs"

    func validate() throws {
        guard files > 0, fileMiB > 0, rounds > 0, parallel > 0, partConcurrency > 0 else {
            throw ValidationError("--files, --file-mib, --rounds, --parallel and --part-concurrency must be positive")
        }
        guard partMiB >= 5 else { throw ValidationError("--part-mib must be at least 5 (S3's smallest part)") }
        let known: Set<String> = ["flushbench", "rclone", "aws-cli", "curl"]
        for tool in toolList where !known.contains(tool) {
            throw ValidationError("unknown tool '\(tool)' in --tools; choose from flushbench, rclone, aws-cli, curl")
        }
    }

    private var toolList: [String] { tools.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }

    func run() async throws {
        var options = UploadBenchmark.Options(flushbenchExecutable: try ownExecutable())
        options.files = files
        options.fileSize = fileMiB << 20
        options.rounds = rounds
        options.parallel = parallel
        options.partSize = partMiB << 20
        options.partConcurrency = partConcurrency
        options.tools = toolList
        let report = try await UploadBenchmark(options: options).run { line in print(line) }
        print("")
        print(report.table())
        let path = try report.write(name: "upload", to: out)
        print("\nwritten to \(path)")
    }
}

/// `flushbench bench upload-worker`: our side of the upload benchmark, run as a child process.
struct BenchUploadWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload-worker",
        abstract: "Upload every file of a directory with S3Store (the endpoint and keys come from the AWS_* variables).",
        shouldDisplay: false
    )

    @Option(help: "Directory whose files are uploaded.")
    var dir: String

    @Option(help: "Bucket to upload to.")
    var bucket: String

    @Option(help: "Key prefix of the uploaded objects.")
    var prefix = ""

    @Option(help: "Files uploaded at once.")
    var filesInFlight = 8

    @Option(help: "Part size in bytes (a file up to this size is one PUT).")
    var partSize = 16 << 20

    @Option(help: "Parts in flight per file.")
    var partConcurrency = 4

    func run() async throws {
        let worker = S3UploadWorker(filesInFlight: filesInFlight,
                                    partSize: partSize, partConcurrency: partConcurrency)
        let bytes = try await worker.uploadUsingEnvironment(directory: dir, bucket: bucket, keyPrefix: prefix)
        print("uploaded \(bytes) bytes")
    }
}

/// The path of the running executable, so the benchmark can start it again as a worker.
func ownExecutable() throws -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
}
