#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Platform
import Synchronization

/// Runs another program and measures it: wall time and peak resident memory (`ru_maxrss` from
/// `wait4`), so every tool in a side-by-side benchmark, ours included, is measured the same way.
public struct ChildProcess: Sendable {
    /// The outcome of one run.
    public struct Outcome: Sendable {
        /// Exit status (or 128 + signal number).
        public var status: Int32
        /// Wall-clock seconds from spawn to exit.
        public var seconds: Double
        /// Peak resident set size of the child, in bytes.
        public var peakRSSBytes: UInt64
        /// What it printed on standard output (cut at 1 MiB).
        public var standardOutput: String
        /// What it printed on standard error (cut at 1 MiB).
        public var standardError: String
    }

    /// The program: a path, or a name looked up on `PATH`.
    public var executable: String
    /// Its arguments (without the program name).
    public var arguments: [String]
    /// Variables to set (on top of this process's environment).
    public var environment: [String: String]
    /// Variables to remove from the inherited environment.
    public var removedVariables: Set<String>
    /// The directory it runs in (this process's when `nil`).
    public var workingDirectory: String?
    /// Whether to measure its peak memory through GNU time (a tiny parent). Off, the program is
    /// this process's direct child, so ``Running/processIdentifier`` is its own (to signal it).
    public var measuresPeakMemory: Bool

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], removing removedVariables: Set<String> = [],
                workingDirectory: String? = nil, measuresPeakMemory: Bool = true) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.removedVariables = removedVariables
        self.workingDirectory = workingDirectory
        self.measuresPeakMemory = measuresPeakMemory
    }

    /// Runs the program to completion on the blocking-I/O pool.
    ///
    /// - Throws: ``LocalFileError`` when the program cannot be started.
    public func run() async throws -> Outcome {
        let command = self
        return try await BlockingIO.run { try command.runBlocking() }
    }

    /// Runs the program to completion, blocking the calling thread.
    public func runBlocking() throws -> Outcome {
        try start().wait()
    }

    /// Starts the program and returns at once; both of its output pipes are drained while it
    /// runs (so it never blocks on a full pipe, whichever it writes to).
    public func start() throws -> Running {
        let process = Process()
        // The kernel charges a child with its parent's peak RSS when it execs from a fork or
        // vfork of a large process, so measure through GNU time, a tiny parent.
        let timeOutput = FileManager.default.temporaryDirectory.appendingPathComponent("flushbench-time-\(UUID().uuidString)").path
        let measured = measuresPeakMemory && access(Self.gnuTime, X_OK) == 0
        if measured {
            process.executableURL = URL(fileURLWithPath: Self.gnuTime)
            process.arguments = ["-f", "%M", "-o", timeOutput, try resolvedExecutable()] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: try resolvedExecutable())
            process.arguments = arguments
        }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        var env = ProcessInfo.processInfo.environment
        for name in removedVariables { env.removeValue(forKey: name) }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        let running = Running(process: process, start: start, timeOutput: measured ? timeOutput : nil)
        for (pipe, sink) in [(out, running.outData), (err, running.errData)] {
            running.drained.enter()
            Thread.detachNewThread {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                running.drained.leave()
            }
        }
        return running
    }

    /// A started program.
    public final class Running: @unchecked Sendable {
        // Process is not Sendable; it is only read (its pid) after start and waited for once.
        private let process: Process
        private let start: ContinuousClock.Instant
        private let timeOutput: String?
        fileprivate let outData = LockedData()
        fileprivate let errData = LockedData()
        fileprivate let drained = DispatchGroup()

        fileprivate init(process: Process, start: ContinuousClock.Instant, timeOutput: String?) {
            self.process = process
            self.start = start
            self.timeOutput = timeOutput
        }

        /// The process id of the child (GNU time's when peak memory is measured).
        public var processIdentifier: Int32 { process.processIdentifier }

        /// Sends `signal` to the child.
        public func send(_ signal: Int32) {
            kill(process.processIdentifier, signal)
        }

        /// Waits for the child to exit and for both pipes to reach their end, blocking the thread.
        public func wait() -> Outcome {
            defer { if let timeOutput { try? FileManager.default.removeItem(atPath: timeOutput) } }
            var status: Int32 = 0
            var usage = rusage()
            let pid = process.processIdentifier
            var reaped = wait4(pid, &status, 0, &usage)
            while reaped < 0 && errno == EINTR { reaped = wait4(pid, &status, 0, &usage) }
            drained.wait()
            let elapsed = ContinuousClock.now - start
            let seconds = elapsed.inSeconds
            var exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            if reaped < 0 {
                // Foundation's own child monitor reaped it first (ECHILD): take its status.
                process.waitUntilExit()
                exit = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            }
            var peakKiB = UInt64(usage.ru_maxrss)
            if let timeOutput, let text = try? String(contentsOfFile: timeOutput, encoding: .utf8),
               let last = text.split(separator: "\n").last, let value = UInt64(last.trimmingCharacters(in: .whitespaces)) {
                peakKiB = value
            }
            return Outcome(
                status: exit,
                seconds: seconds,
                peakRSSBytes: peakKiB * 1024,
                standardOutput: String(decoding: outData.get().prefix(1 << 20), as: UTF8.self),
                standardError: String(decoding: errData.get().prefix(1 << 20), as: UTF8.self)
            )
        }
    }

    /// GNU time, which reports the child's own peak RSS (Debian package `time`).
    static let gnuTime = "/usr/bin/time"

    /// The absolute path of ``executable``.
    public func resolvedExecutable() throws -> String {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw LocalFileError(code: .notFound, operation: "spawn", path: executable,
                             message: "'\(executable)' was not found on PATH; run `make setup-bench` to install the reference tools")
    }

    /// Whether ``executable`` can be found.
    public var isAvailable: Bool { (try? resolvedExecutable()) != nil }
}

/// Bytes handed from a reader thread to the waiting one.
fileprivate final class LockedData: Sendable {
    private let data = Mutex(Data())
    func set(_ value: Data) { data.withLock { $0 = value } }
    func get() -> Data { data.withLock { $0 } }
}
