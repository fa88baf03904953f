#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ObjectStore
import Platform

/// Why a managed server could not be started.
public struct ServerStartError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do.
    public var message: String

    /// Creates an error with a message a person can act on.
    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A server process that this process starts, owns and stops, run under a shell watchdog.
///
/// The watchdog starts the server in the background, records its pid in `DIR/server.pid`, and
/// on SIGTERM, or as soon as the parent (this process) disappears, stops it (SIGTERM, 0.3 s,
/// SIGKILL: some servers ignore SIGTERM for a long time), runs the caller's extra clean-up and
/// removes `DIR`. So a crashed or killed test run leaves no server behind.
final class ManagedProcess: Sendable {
    /// The server's temporary directory (its log is `server.log`).
    let directory: String
    /// The server's pid, once it was read from the watchdog's pid file.
    let pid: Int32
    private let watchdog: Process
    private let extraCleanup: @Sendable () -> Void

    private init(directory: String, pid: Int32, watchdog: Process, extraCleanup: @escaping @Sendable () -> Void) {
        self.directory = directory
        self.pid = pid
        self.watchdog = watchdog
        self.extraCleanup = extraCleanup
    }

    /// Launches `executable` with `arguments` under the watchdog, in `directory`, and waits
    /// until it has a pid.
    ///
    /// - Parameters:
    ///   - name: the server's name for messages (`SeaweedFS`, `moto`).
    ///   - shellCleanup: extra shell commands the watchdog runs after stopping the server.
    ///   - extraCleanup: the same clean-up, run by ``stop()`` in case the watchdog was killed.
    ///   - deadline: when to give up.
    /// - Errors: ``ServerStartError`` when the watchdog exits or no pid appears in time.
    static func launch(name: String, executable: String, arguments: [String], directory: String,
                       shellCleanup: String = "", extraCleanup: @escaping @Sendable () -> Void = {},
                       deadline: ContinuousClock.Instant) async throws -> ManagedProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdogScript, "flushbench-\(name.lowercased())-watchdog",
                             String(getpid()), directory, shellCleanup, executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var pid: Int32 = 0
        do {
            while pid == 0 {
                if let text = try? String(contentsOfFile: directory + "/server.pid", encoding: .utf8),
                   let value = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    pid = value
                } else {
                    try await waitBeforeRetry(name: name, process: process, directory: directory, deadline: deadline)
                }
            }
        } catch {
            await stop(process, directory: directory, extraCleanup: extraCleanup)
            throw error
        }
        return ManagedProcess(directory: directory, pid: pid, watchdog: process, extraCleanup: extraCleanup)
    }

    /// Whether the watchdog (and so the server) still runs.
    var isRunning: Bool { watchdog.isRunning }

    /// Stops the server through its watchdog and removes its directory. Safe to call more than once.
    func stop() async {
        await Self.stop(watchdog, directory: directory, extraCleanup: extraCleanup)
    }

    /// Waits a moment before the next readiness probe; fails when the server exited or time is up.
    func waitBeforeRetry(name: String, deadline: ContinuousClock.Instant) async throws {
        try await Self.waitBeforeRetry(name: name, process: watchdog, directory: directory, deadline: deadline)
    }

    /// The last lines of the server's log, for error messages.
    func logTail(lines: Int = 20) -> String {
        Self.logTail(directory: directory, lines: lines)
    }

    private static func waitBeforeRetry(name: String, process: Process, directory: String,
                                        deadline: ContinuousClock.Instant) async throws {
        guard process.isRunning else {
            throw ServerStartError(message: "\(name) exited during start-up; its log ends with:\n\(logTail(directory: directory, lines: 20))")
        }
        guard ContinuousClock.now < deadline else {
            throw ServerStartError(message: "\(name) did not accept writes in time; its log ends with:\n\(logTail(directory: directory, lines: 20))")
        }
        try await Task.sleep(for: .milliseconds(250))
    }

    private static func stop(_ process: Process, directory: String, extraCleanup: @escaping @Sendable () -> Void) async {
        if process.isRunning { process.terminate() }
        _ = try? await BlockingIO.runToCompletion {
            process.waitUntilExit()
            // The watchdog removes both; this covers a watchdog that was killed itself.
            try? FileManager.default.removeItem(atPath: directory)
            extraCleanup()
        }
    }

    private static func logTail(directory: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: directory + "/server.log", encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    private static let watchdogScript = """
        parent=$1; dir=$2; extra=$3; shift 3
        "$@" >"$dir/server.log" 2>&1 </dev/null &
        server=$!
        echo "$server" >"$dir/server.pid.tmp" && mv "$dir/server.pid.tmp" "$dir/server.pid"
        cleanup() {
            kill -TERM "$server" 2>/dev/null
            sleep 0.3
            kill -KILL "$server" 2>/dev/null
            wait "$server" 2>/dev/null
            [ -n "$extra" ] && eval "$extra"
            rm -rf "$dir"
            exit 0
        }
        trap cleanup TERM INT HUP
        while kill -0 "$parent" 2>/dev/null; do sleep 0.5 & wait $!; done
        cleanup
        """

    // MARK: - Helpers shared by the managed servers

    /// The executable `name` from `override` (an environment variable) or `PATH`.
    static func findExecutable(_ name: String, override: String, hint: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment[override], !explicit.isEmpty { return explicit }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ServerStartError(message: "'\(name)' is not on PATH; \(hint)")
    }

    /// A fresh directory `/tmp/<prefix>-XXXXXX`.
    static func makeTemporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ServerStartError(message: "cannot create a temporary directory under /tmp: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }

    /// Ports the kernel hands out for loopback listeners, all distinct and below 55000 (the
    /// sockets stay bound until every port is chosen).
    static func freeLoopbackPorts(count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        var ports: [Int] = []
        while ports.count < count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ServerStartError(message: "cannot open a socket to find a free port: \(String(cString: strerror(errno)))") }
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
            guard bound else { throw ServerStartError(message: "cannot bind a loopback socket: \(String(cString: strerror(errno)))") }
            let port = Int(UInt16(bigEndian: address.sin_port))
            // Ports above 55000 would collide with SeaweedFS's habit of port + 10000.
            if port < 55000 && !ports.contains(port) { ports.append(port) }
            if sockets.count > count * 20 { throw ServerStartError(message: "cannot find \(count) free loopback ports below 55000") }
        }
        return ports
    }

    /// Random lower-case letters and digits (for generated credentials).
    static func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// Creates `bucket` and writes, then deletes, a probe object until both succeed.
    static func waitUntilWritable(_ configuration: S3Configuration, name: String, process: ManagedProcess,
                                  deadline: ContinuousClock.Instant) async throws {
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
                try await process.waitBeforeRetry(name: name, deadline: deadline)
            } catch let error as ServerStartError {
                throw ServerStartError(message: error.message + (lastError.map { "; last answer: \($0)" } ?? ""))
            }
        }
    }
}
