import ArgumentParser
import Foundation
import Harness
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// How a crash trial ends the process (``CrashTrials/Mode``, as a command-line value).
enum CrashMode: String, ExpressibleByArgument, CaseIterable {
    /// The process ends abruptly at the death point (as SIGKILL would end it).
    case kill
    /// The cache directory is rolled back to what was durable, then the process ends.
    case power

    var trialsMode: CrashTrials.Mode { self == .kill ? .kill : .power }
}

/// `flushbench crash`: crash trials of one scenario.
struct CrashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Kill a scenario's run (or cut its power) at seeded points; check recovery, the journal's objects and gc after each.",
        discussion: """
            Each trial runs the scenario in a child process that dies (exit 86, as abruptly as \
            SIGKILL) at a seeded operation: a store call or a change of the cache's files (create, \
            write, fsync, rename, unlink); a death on a write lets a seeded prefix of it reach the \
            disk. In power mode the child first rolls the cache directory back to what was durable \
            (un-fsync'd data cut, creations and renames without a directory fsync undone), as a power \
            cut would. Then this process reopens the cache on the same \
            directory and checks it (no temp files, index == disk, every file whole, nothing torn), \
            checks every flush in the journal on the remote (size and SHA-256), runs gc and checks \
            that the remote holds exactly the journal's objects. Exit status: 0 when every trial is \
            consistent, 1 when one is not (its work area is kept), 2 on bad input, 5 when the \
            remote cannot be set up.
            """
    )

    @Argument(help: "A scenario file holding one scenario with an fs or s3 store.")
    var file: String

    @Option(help: "Trials to run.")
    var trials = 10

    @Option(help: "The seed every trial's death point follows from (the same seed, the same death points).")
    var seed: UInt64 = 1

    @Option(help: "How the process dies: kill (exit at the death point) or power (roll the cache directory back to what was durable, then exit).")
    var mode: CrashMode = .kill

    @Option(help: "Replay one death point: every trial dies at this operation (store calls and file changes, counted from 1).")
    var dieAt: Int?

    @Option(help: "Replay one trial: its seed (the cut of a dying write and the torn prefix of a power cut follow from it).")
    var trialSeed: UInt64?

    @Option(help: "Replay the cut of a dying write: the bytes of it that reach the disk.")
    var cut: Int?

    @Option(help: "Count --die-at among operations of this kind only: create, file write, fsync, fsync dir, rename, unlink (the cache's files); create writer, write, close, read, stat, delete, list (the store).")
    var dieOn: String?

    @Option(help: "Directory for the report (crash-<scenario>-<time>.json).")
    var out = "Results/runs"

    @Option(help: "Directory for the trials' work areas (DIR/trial-NNN; an inconsistent trial's is kept); a temporary one when absent.")
    var workDir: String?

    /// The operation kinds a death point can name.
    static let operationKinds = ["create", "file write", "fsync", "fsync dir", "rename", "unlink",
                                 "create writer", "write", "close", "read", "stat", "delete", "list", "list uploads", "abort upload"]

    func validate() throws {
        guard trials > 0 else { throw ValidationError("--trials must be at least 1") }
        if let dieAt, dieAt < 1 { throw ValidationError("--die-at counts operations from 1") }
        if let cut, cut < 0 { throw ValidationError("--cut is a byte count (0 or more)") }
        if cut != nil, dieAt == nil { throw ValidationError("--cut replays a death on a write: give --die-at too") }
        if let dieOn {
            guard dieAt != nil else { throw ValidationError("--die-on counts --die-at among one kind of operation: give --die-at too") }
            guard Self.operationKinds.contains(dieOn) else {
                throw ValidationError("--die-on: unknown operation '\(dieOn)' (known: \(Self.operationKinds.joined(separator: ", ")))")
            }
        }
    }

    func run() async throws {
        let scenarios = try loadScenarios([file])
        guard scenarios.count == 1, let scenario = scenarios.first else {
            printError("'\(file)' holds \(scenarios.count) scenarios; crash trials take one")
            throw ExitCode(.invalidInput)
        }
        guard scenario.store.kind != .memory else {
            printError("scenario \(scenario.name): a memory store dies with the child, so nothing can be checked after a crash; use an fs or s3 store")
            throw ExitCode(.invalidInput)
        }
        let workDir = workDir
        let root = try await BlockingIO.run {
            let root = try workDir ?? LocalFiles.makeTemporaryDirectory(prefix: "flushbench-crash-")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            return root
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var configuration = CrashTrials.Configuration(
            scenarioFile: file, scenario: scenario, trials: trials, seed: seed, dieAt: dieAt, workDirectory: root,
            executable: executable, progress: { print(CrashReport.line($0)) })
        configuration.mode = mode.trialsMode
        configuration.trialSeed = trialSeed
        configuration.cut = cut
        configuration.dieOn = dieOn
        let report: CrashReport
        do {
            report = try await CrashTrials.run(configuration)
        } catch {
            printError(error.description)
            throw ExitCode(.setupFailed)
        }
        if workDir == nil, report.consistent { _ = try? await BlockingIO.run { try LocalFiles.removeTree(root) } }
        print("")
        print(report.summary)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = try await ResultWriter.writeFile(try encoder.encode(report), to: out + "/crash-\(scenario.name)-\(mode.rawValue)-\(stamp).json")
        print("report: \(path)")
        if !report.consistent { throw ExitCode(.failed) }
    }
}

/// `flushbench crash-trial` (hidden): one trial's child. Runs the scenario in `--work-dir`,
/// keeping what it wrote to the remote, and dies at `--die-at`; prints `operations=N` when it
/// ran to the end. It ends itself when its parent (`--parent`) is gone.
struct CrashTrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crash-trial", abstract: "One crash trial's child (used by `crash`).",
                                                    shouldDisplay: false)

    @Argument(help: "The scenario file.")
    var file: String

    @Option(help: "The trial's work area.")
    var workDir: String

    @Option(help: "The operation to die at.")
    var dieAt: Int?

    @Option(help: "kill or power.")
    var mode: CrashMode = .kill

    @Option(help: "The trial's seed: the cut of a dying write and the torn prefix of a power cut.")
    var trialSeed: UInt64?

    @Option(help: "Bytes of a dying write that reach the disk (else drawn from the trial seed).")
    var cut: Int?

    @Option(help: "Count --die-at among operations of this kind only.")
    var dieOn: String?

    @Option(help: "The parent's process id: this process ends when its parent is gone.")
    var parent: Int32

    func run() async throws {
        ParentWatchdog.start(parent: parent)
        let scenarios = try loadScenarios([file])
        guard scenarios.count == 1, let scenario = scenarios.first else { throw ExitCode(.invalidInput) }
        let point = CrashPoint(dieAt: dieAt, dieOn: dieOn, cut: cut, cutSeed: trialSeed)
        var options = RunOptions(workDirectory: workDir, keepRemote: true)
        options.crashPoint = point
        if mode == .power {
            let disk = PowerLossFileSystem()
            let tornSeed = trialSeed.map { SplitMix64.mix($0 ^ 0x7072_6F77) }
            point.setBeforeDeath { disk.rollBack(tornSeed: tornSeed) }
            options.fileSystem = disk
        }
        let result: RunResult
        do {
            result = try await ScenarioRunner.run(scenario, options: options)
        } catch let error as RunSetupError {
            printError(error.description)
            throw ExitCode(.setupFailed)
        }
        print("operations=\(point.operations)")
        print("passed=\(result.passed)")
        if !result.passed { throw ExitCode(.failed) }
    }
}

/// Ends this process when its parent is gone: a thread of its own (never the cooperative pool)
/// polls the parent process id every 100 ms.
enum ParentWatchdog {
    static func start(parent: Int32) {
        if getppid() != parent { _exit(ExitStatus.interrupted.rawValue) }
        let thread = Thread {
            while getppid() == parent { usleep(100_000) }
            _exit(ExitStatus.interrupted.rawValue)
        }
        thread.start()
    }
}
