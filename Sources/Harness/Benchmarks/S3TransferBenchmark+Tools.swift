import Foundation
import ObjectStore
import Platform
import Servers
import WriteCache

extension S3TransferBenchmark {
    /// What some tools need prepared once, outside the timed runs.
    struct Setup: Sendable {
        /// A cache directory holding every file under its cache name (hard links to the data
        /// files), for `flushbench-cache` uploads.
        var cacheDirectory: String?
        /// Each file's base64 SHA-256, for `curl-sha256`.
        var checksums: [String: String] = [:]
    }

    /// Where `flushbench-cache` downloads from: the files under the names the cache gives them.
    static let cacheSourcePrefix = "cache-source/"

    /// Prepares the cache directory (uploads) or the cache-named source objects (downloads)
    /// and the files' SHA-256s, each only when a tool needs it.
    func prepare(dataDirectory: String, workDirectory: String, store: S3Store, cache: Bool, checksums: Bool) async throws -> Setup {
        var setup = Setup()
        let files = options.files
        if cache && options.direction == .upload {
            let directory = workDirectory + "/cache"
            try await BlockingIO.run {
                try LocalFiles.createDirectories(directory)
                for index in 0..<files {
                    try FileManager.default.linkItem(atPath: dataDirectory + "/" + Self.fileName(index),
                                                     toPath: directory + "/" + CacheTransferWorker.key(forFile: index).fileName)
                }
            }
            setup.cacheDirectory = directory
        }
        if cache && options.direction == .download {
            let options = WriteOptions(partSize: self.options.partSize, concurrency: self.options.partConcurrency)
            try await BoundedConcurrency.forEach(Array(0..<files), limit: self.options.parallel) { index in
                let path = dataDirectory + "/" + Self.fileName(index)
                let file = try await BlockingIO.run { try LocalFile.openForReading(path) }
                defer { file.close() }
                let size = try await BlockingIO.run { try file.size() }
                _ = try await store.upload(from: file, range: 0..<size, key: Self.cacheSourcePrefix + CacheTransferWorker.key(forFile: index).remoteKey,
                                           options: options)
            }
        }
        if checksums {
            for index in 0..<files {
                let path = dataDirectory + "/" + Self.fileName(index)
                let digest = try await BlockingIO.run { try SHA256Accumulator.digestOfFile(at: path).checksum }
                setup.checksums[Self.fileName(index)] = digest.value
            }
        }
        return setup
    }

    /// The command line of `run.tool` for this benchmark's direction.
    func childProcess(for run: Run, server: SeaweedFS, setup: Setup) throws -> ChildProcess {
        let configuration = server.configuration
        let credentials = configuration.credentials
        let bucket = configuration.bucket
        let upload = options.direction == .upload
        let awsEnvironment = [
            "AWS_ENDPOINT_URL": configuration.endpoint, "AWS_ACCESS_KEY_ID": credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey, "AWS_REGION": configuration.region,
            "AWS_DEFAULT_REGION": configuration.region,
        ]
        let local = upload ? run.dataDirectory : run.downloadDirectory
        let remotePrefix = upload ? run.prefix : Self.sourcePrefix
        let worker = [
            "--bucket", bucket, "--files-in-flight", String(options.flushbenchParallel ?? options.parallel),
            "--part-size", String(options.partSize), "--part-concurrency", String(options.partConcurrency),
        ]
        switch run.tool {
        case "flushbench":
            return ChildProcess(options.flushbenchExecutable, [
                "bench", "transfer-worker", "--direction", options.direction.rawValue, "--dir", local, "--prefix", remotePrefix,
            ] + worker, environment: awsEnvironment)
        case "flushbench-cache":
            guard let cacheDirectory = upload ? setup.cacheDirectory : run.downloadDirectory else {
                throw LocalFileError(code: .notFound, operation: "bench", path: run.tool, message: "the cache directory was not prepared")
            }
            return ChildProcess(options.flushbenchExecutable, [
                "bench", "transfer-worker", "--direction", options.direction.rawValue, "--cache-dir", cacheDirectory,
                "--prefix", upload ? run.prefix : Self.cacheSourcePrefix,
            ] + worker, environment: awsEnvironment)
        case "rclone":
            let remote = ":s3:\(bucket)/\(remotePrefix.dropLast())"
            return ChildProcess("rclone", [
                "copy", upload ? local : remote, upload ? remote : local, "--transfers", String(options.parallel),
                "--s3-provider", "Other", "--s3-endpoint", configuration.endpoint, "--s3-region", configuration.region,
                "--s3-force-path-style", "--no-check-dest", "--config", "/dev/null",
            ], environment: [
                "RCLONE_S3_ACCESS_KEY_ID": credentials.accessKeyID,
                "RCLONE_S3_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            ], removing: ["AWS_CA_BUNDLE"])
        case "aws-cli":
            let remote = "s3://\(bucket)/\(remotePrefix)"
            return ChildProcess("aws", [
                "--endpoint-url", configuration.endpoint, "s3", "cp", "--recursive", "--only-show-errors",
                upload ? local : remote, upload ? remote : local,
            ], environment: awsEnvironment.merging(["AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]) { $1 },
               removing: ["AWS_CA_BUNDLE"])
        case "curl", "curl-sha256":
            let withChecksum = run.tool == "curl-sha256"
            guard upload || !withChecksum else {
                throw ObjectStoreError(code: .invalidArgument, operation: .read, key: nil,
                                       message: "bench download: curl-sha256 only uploads (a download sends no checksum)")
            }
            // One curl process, `parallel` transfers at once; the key stays out of the command
            // line. Per-transfer options are repeated after each `next`.
            let perTransfer = [
                "user = \"\(credentials.accessKeyID):\(credentials.secretAccessKey)\"",
                "aws-sigv4 = \"aws:amz:\(configuration.region):s3\"", "fail", "create-dirs",
            ]
            var lines = ["parallel", "parallel-max = \(options.parallel)", "silent", "show-error"]
            for (index, name) in (0..<options.files).map(Self.fileName).enumerated() {
                if index > 0 { lines.append("next") }
                lines += perTransfer
                if upload { lines.append("upload-file = \"\(local)/\(name)\"") }
                if withChecksum, let checksum = setup.checksums[name] {
                    lines.append("header = \"x-amz-checksum-sha256: \(checksum)\"")
                }
                lines.append("url = \"\(configuration.endpoint)/\(bucket)/\(remotePrefix)\(name)\"")
                lines.append("output = \"\(upload ? "/dev/null" : local + "/" + name)\"")
            }
            let configPath = run.workDirectory + "/\(run.tool)-\(run.prefix.dropLast()).conf"
            try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
            return ChildProcess("curl", ["--config", configPath])
        default:
            throw LocalFileError(code: .notFound, operation: "bench", path: run.tool,
                                 message: "unknown tool '\(run.tool)'; choose from \(Self.tools(for: options.direction).joined(separator: ", "))")
        }
    }
}
