import ArgumentParser
import Foundation
import Harness

/// Options shared by `bench upload` and `bench download`.
struct TransferBenchOptions: ParsableArguments {
    @Option(help: "Number of files.")
    var files = 32

    @Option(name: .customLong("file-mib"), help: "Size of each file in MiB.")
    var fileMiB = 16

    @Option(help: "Rounds per tool; the figures are medians over the rounds.")
    var rounds = 3

    @Option(help: "Files (transfers) in flight for every tool.")
    var parallel = 8

    @Option(help: "Files in flight for flushbench only (default: --parallel); for tuning.")
    var flushbenchParallel: Int?

    @Option(name: .customLong("part-mib"), help: "flushbench's part (upload, default 16) or range (download, default 8) size in MiB, at least 5; a file up to this size is one request.")
    var partMiB: Int?

    @Option(help: "flushbench's parts (upload, default 4) or ranges (download, default 2) in flight per file.")
    var partConcurrency: Int?

    @Option(help: "Comma-separated tools to run: flushbench (the bare store), flushbench-cache (the write cache), rclone, aws-cli, curl, and for uploads curl-sha256 (curl sending each file's SHA-256). Default: all that apply.")
    var tools: String?

    @Option(help: "Directory for the JSON report.")
    var out = "Results/runs"

    func validate() throws {
        guard files > 0, fileMiB > 0, rounds > 0, parallel > 0, (partConcurrency ?? 1) > 0 else {
            throw ValidationError("--files, --file-mib, --rounds, --parallel and --part-concurrency must be positive")
        }
        guard (partMiB ?? 5) >= 5 else { throw ValidationError("--part-mib must be at least 5 (S3's smallest part)") }
        let known = S3TransferBenchmark.tools(for: .upload)
        for tool in toolList(.upload) where !known.contains(tool) {
            throw ValidationError("unknown tool '\(tool)' in --tools; choose from \(known.joined(separator: ", "))")
        }
    }

    /// The tools to run in `direction`: those named, or all that apply.
    func toolList(_ direction: S3TransferBenchmark.Direction) -> [String] {
        guard let tools else { return S3TransferBenchmark.tools(for: direction) }
        return tools.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// Runs the benchmark in `direction`, prints the table and writes the JSON report.
    func run(_ direction: S3TransferBenchmark.Direction) async throws {
        var options = S3TransferBenchmark.Options(flushbenchExecutable: try ownExecutable())
        options.direction = direction
        options.files = files
        options.fileSize = fileMiB << 20
        options.rounds = rounds
        options.parallel = parallel
        options.flushbenchParallel = flushbenchParallel
        // Downloads default to 8 MiB ranges, 2 per file: 16 ranges in flight keep the server busy
        // while each buffer stays small.
        options.partSize = (partMiB ?? (direction == .upload ? 16 : 8)) << 20
        options.partConcurrency = partConcurrency ?? (direction == .upload ? 4 : 2)
        options.tools = toolList(direction)
        let applicable = S3TransferBenchmark.tools(for: direction)
        for tool in options.tools where !applicable.contains(tool) {
            throw ValidationError("--tools \(tool) cannot \(direction.rawValue); choose from \(applicable.joined(separator: ", "))")
        }
        let report = try await S3TransferBenchmark(options: options).run { line in print(line) }
        print("")
        print(report.table())
        let path = try report.write(name: direction.rawValue, to: out)
        print("\nwritten to \(path)")
    }
}

/// `flushbench bench upload`: our S3 upload beside rclone, aws-cli and curl.
struct BenchUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload the same files to one managed SeaweedFS with flushbench, rclone, aws-cli and curl; print medians."
    )

    @OptionGroup var options: TransferBenchOptions

    func run() async throws {
        try await options.run(.upload)
    }
}

/// `flushbench bench download`: our S3 download beside rclone, aws-cli and curl.
struct BenchDownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download the same objects from one managed SeaweedFS with flushbench, rclone, aws-cli and curl; print medians."
    )

    @OptionGroup var options: TransferBenchOptions

    func run() async throws {
        try await options.run(.download)
    }
}

/// `flushbench bench transfer-worker`: our side of the transfer benchmarks, run as a child process.
struct BenchTransferWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer-worker",
        abstract: "Upload a directory's files, or download a prefix's objects, with S3Store or (--cache-dir) the write cache (endpoint and keys from the AWS_* variables).",
        shouldDisplay: false
    )

    @Option(help: "upload or download.")
    var direction: String

    @Option(help: "Directory whose files are uploaded, or into which objects are downloaded (the bare store).")
    var dir: String?

    @Option(help: "Instead of --dir: a cache directory whose cached files the write cache uploads (verified), or into which it downloads the objects under --prefix (committed and indexed).")
    var cacheDir: String?

    @Option(help: "Bucket to use.")
    var bucket: String

    @Option(help: "Key prefix of the objects.")
    var prefix = ""

    @Option(help: "Files moved at once.")
    var filesInFlight = 8

    @Option(help: "Part (or range) size in bytes.")
    var partSize = 16 << 20

    @Option(help: "Parts (or ranges) in flight per file.")
    var partConcurrency = 4

    func validate() throws {
        guard direction == "upload" || direction == "download" else {
            throw ValidationError("--direction must be 'upload' or 'download', not '\(direction)'")
        }
        guard (dir == nil) != (cacheDir == nil) else {
            throw ValidationError("give exactly one of --dir (the bare store) and --cache-dir (the write cache)")
        }
    }

    func run() async throws {
        let store = try S3TransferWorker.storeFromEnvironment(bucket: bucket)
        let bytes: UInt64
        if let cacheDir {
            let worker = CacheTransferWorker(filesInFlight: filesInFlight, partSize: partSize, partConcurrency: partConcurrency)
            bytes = direction == "upload"
                ? try await worker.upload(cacheDirectory: cacheDir, to: store, remotePrefix: prefix)
                : try await worker.download(from: store, remotePrefix: prefix, into: cacheDir)
        } else {
            let dir = dir ?? "."
            let worker = S3TransferWorker(filesInFlight: filesInFlight, partSize: partSize, partConcurrency: partConcurrency)
            bytes = direction == "upload"
                ? try await worker.upload(directory: dir, to: store, keyPrefix: prefix)
                : try await worker.download(from: store, keyPrefix: prefix, into: dir)
        }
        print("\(direction == "upload" ? "uploaded" : "downloaded") \(bytes) bytes")
    }
}

/// The path of the running executable, so a benchmark can start it again as a worker.
func ownExecutable() throws -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
}
