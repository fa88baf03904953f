#if canImport(Glibc)
import Glibc
#endif
import Foundation
public import ObjectStore
import Platform

/// A moto S3 server (`moto_server`, from the PyPI package `moto[server]`) that this process
/// starts, owns and stops: a second, independent S3 implementation beside ``SeaweedFS``.
///
/// moto reports checksums differently from SeaweedFS (a multipart object's composite SHA-256
/// comes back without its `-<parts>` suffix and without `x-amz-checksum-type`), so running the
/// store tests and a scenario on both keeps the client honest about what servers really say.
/// moto accepts any credentials; the generated ones only make requests signed like real ones.
///
/// ``start(bucket:startupTimeout:)`` runs `moto_server -H 127.0.0.1 -p PORT` on a free loopback
/// port in a fresh temporary directory (its working directory and log), under the same watchdog
/// as SeaweedFS, waits until an object can be written and creates the bucket.
public final class Moto: Sendable {
    /// How to reach the server (endpoint, bucket, region, credentials).
    public let configuration: S3Configuration
    /// The temporary directory holding the server's log (removed by ``stop()``).
    public var directory: String { process.directory }
    /// The `moto_server` process id.
    public var pid: Int32 { process.pid }
    /// The port the server listens on.
    public let port: Int
    private let process: ManagedProcess

    private init(configuration: S3Configuration, port: Int, process: ManagedProcess) {
        self.configuration = configuration
        self.port = port
        self.process = process
    }

    /// Starts a server with an empty bucket and returns once it accepts writes.
    ///
    /// - Parameters:
    ///   - bucket: the bucket to create (moto wants 3-63 characters, lower case).
    ///   - startupTimeout: how long to wait (moto answers after about a second).
    /// - Errors: ``ServerStartError`` when `moto_server` is not installed, exits, or does not
    ///   answer in time (its log's last lines are in the message); the server is stopped then.
    public static func start(bucket: String = "flushbench", startupTimeout: Duration = .seconds(60)) async throws -> Moto {
        let executable = try ManagedProcess.findExecutable(
            "moto_server", override: "FLUSHBENCH_MOTO_SERVER", hint: "run `make setup` (it installs the PyPI package moto[server])")
        let directory = try await BlockingIO.run { try ManagedProcess.makeTemporaryDirectory(prefix: "flushbench-moto") }
        let port = try ManagedProcess.freeLoopbackPorts(count: 1)[0]
        let credentials = S3Credentials(accessKeyID: "FB" + ManagedProcess.randomToken(length: 18).uppercased(),
                                        secretAccessKey: ManagedProcess.randomToken(length: 40))
        let configuration = S3Configuration(endpoint: "http://127.0.0.1:\(port)", bucket: bucket, credentials: credentials,
                                            connectTimeout: .seconds(2), requestTimeout: .seconds(30))
        let deadline = ContinuousClock.now + startupTimeout
        let process = try await ManagedProcess.launch(
            name: "moto", executable: executable, arguments: ["-H", "127.0.0.1", "-p", String(port)],
            directory: directory, deadline: deadline)
        do {
            try await ManagedProcess.waitUntilWritable(configuration, name: "moto", process: process, deadline: deadline)
        } catch {
            await process.stop()
            throw error
        }
        return Moto(configuration: configuration, port: port, process: process)
    }

    /// Stops the server (through its watchdog) and removes its directory. Safe to call more
    /// than once.
    public func stop() async {
        await process.stop()
    }

    /// The last lines of the server's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        process.logTail(lines: lines)
    }
}
