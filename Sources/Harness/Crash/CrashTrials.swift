import Foundation
import ObjectStore
import Platform
import Servers
#if canImport(Glibc)
import Glibc
#endif

/// Crash trials (`flushbench crash`, kill mode): each trial runs a scenario in a child process
/// (this binary's hidden `crash-trial` command) that ends itself with `_exit(86)` at a seeded
/// store operation; then this process recovers the cache on the same directory, checks it,
/// checks every journaled flush on the remote, reconciles the remote with ``GarbageCollection``
/// and checks that exactly the journal's objects remain.
///
/// The death point of trial `i` is `1 + t mod N`, where `t` is the trial seed (SplitMix64 of the
/// run seed and `i`) and `N` the store operations of one undisturbed run of the scenario (counted
/// by a calibration run first). The same seed gives the same death points; which object an
/// operation index falls on can vary where uploads run concurrently.
public enum CrashTrials {
    /// How a trial's child dies.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// `_exit` at the death point: what the kernel had accepted (page cache) stays.
        case kill
        /// At the death point the cache's directory is rolled back to what was durable
        /// (``PowerLossFileSystem``), then `_exit`: a power cut.
        case power
    }

    /// How to run the trials.
    public struct Configuration: Sendable {
        /// The scenario file (one scenario; the child loads it again).
        public var scenarioFile: String
        /// The scenario in it.
        public var scenario: Scenario
        /// Trials to run.
        public var trials: Int
        /// The run seed, from which every trial's seed and death point follow.
        public var seed: UInt64
        /// Replays one death point (every trial dies at this operation) instead of seeded ones.
        public var dieAt: Int?
        /// Where the trials' work areas go (`DIR/trial-NNN`); a failing trial's is kept.
        public var workDirectory: String
        /// The flushbench binary the children run.
        public var executable: String
        /// Told of each trial as it ends.
        public var progress: (@Sendable (Trial) -> Void)?
        /// How the children die.
        public var mode: Mode = .kill
        /// Replays one trial: its seed (the cut of a dying write and the torn prefix follow from
        /// it) instead of one drawn from ``seed``.
        public var trialSeed: UInt64?
        /// Replays the cut of a dying write (bytes of it that reach the disk).
        public var cut: Int?
        /// Counts ``dieAt`` among operations of this kind only (`fsync`, `file write`, ...).
        public var dieOn: String?

        /// A configuration; see the properties.
        public init(scenarioFile: String, scenario: Scenario, trials: Int, seed: UInt64, dieAt: Int? = nil, workDirectory: String,
                    executable: String, progress: (@Sendable (Trial) -> Void)? = nil) {
            self.scenarioFile = scenarioFile
            self.scenario = scenario
            self.trials = trials
            self.seed = seed
            self.dieAt = dieAt
            self.workDirectory = workDirectory
            self.executable = executable
            self.progress = progress
        }
    }

    /// The trial seed of trial `index` of a run seeded `seed`.
    public static func trialSeed(_ seed: UInt64, index: Int) -> UInt64 {
        SplitMix64.finalize(seed &+ UInt64(index + 1) &* SplitMix64.goldenGamma)
    }

    /// Runs the trials.
    ///
    /// - Errors: ``CrashTrialError`` when the remote cannot be set up or the calibration run fails;
    ///   a trial that goes wrong is recorded in the report, not thrown.
    public static func run(_ configuration: Configuration) async throws(CrashTrialError) -> CrashReport {
        let started = ContinuousClock.now
        let remote = try await TrialRemote.make(configuration.scenario)
        let calibration: Int
        do {
            calibration = try await calibrate(configuration, remote: remote)
        } catch {
            await remote.stop()
            throw error
        }
        var trials: [Trial] = []
        for index in 0..<configuration.trials {
            let seed = configuration.trialSeed ?? trialSeed(configuration.seed, index: index)
            let dieAt = configuration.dieAt ?? 1 + Int(seed % UInt64(max(calibration, 1)))
            let directory = configuration.workDirectory + "/trial-" + String(format: "%03d", index)
            var trial = await runTrial(configuration, remote: remote, index: index, seed: seed, dieAt: dieAt, directory: directory)
            if trial.consistent {
                _ = try? await BlockingIO.run { try LocalFiles.removeTree(directory) }
            } else {
                trial.keptWorkArea = directory
            }
            configuration.progress?(trial)
            trials.append(trial)
        }
        await remote.stop()
        return CrashReport(scenario: configuration.scenario.name, store: configuration.scenario.store.kind.rawValue, mode: configuration.mode.rawValue,
                           seed: configuration.seed, calibratedOperations: calibration, trials: trials,
                           seconds: (ContinuousClock.now - started).seconds)
    }

    /// Runs the scenario once undisturbed in a child and returns its store operations.
    static func calibrate(_ configuration: Configuration, remote: TrialRemote) async throws(CrashTrialError) -> Int {
        let directory = configuration.workDirectory + "/calibration"
        let outcome = await runChild(configuration, remote: remote, dieAt: nil, seed: 0, directory: directory)
        guard outcome.status == 0 || outcome.status == 1,
              let line = outcome.standardOutput.split(separator: "\n").last(where: { $0.hasPrefix("operations=") }),
              let count = Int(line.dropFirst("operations=".count)) else {
            throw CrashTrialError(operation: "calibrate", path: directory,
                                  message: "the undisturbed run of '\(configuration.scenario.name)' ended with status \(outcome.status): \(outcome.standardError.suffix(2000))")
        }
        if let prefix = try? await BlockingIO.run({ try WorkArea.readMarker(directory).remotePrefix }), let store = try? await remote.store(directory: directory) {
            _ = await GarbageCollection.run(.init(store: store, prefix: prefix, manifest: [], grace: .zero, writerIsDead: true), dryRun: false)
        }
        _ = try? await BlockingIO.run { try LocalFiles.removeTree(directory) }
        return count
    }

    /// Runs one child in `directory`, dying at `dieAt`; SIGKILLed if it outlives its time limit.
    static func runChild(_ configuration: Configuration, remote: TrialRemote, dieAt: Int?, seed: UInt64,
                         directory: String) async -> ChildProcess.Outcome {
        var arguments = ["crash-trial", configuration.scenarioFile, "--work-dir", directory, "--parent", String(getpid()),
                         "--mode", configuration.mode.rawValue]
        if let dieAt { arguments += ["--die-at", String(dieAt), "--trial-seed", String(seed)] }
        if let cut = configuration.cut { arguments += ["--cut", String(cut)] }
        if dieAt != nil, let dieOn = configuration.dieOn { arguments += ["--die-on", dieOn] }
        let command = ChildProcess(configuration.executable, arguments, environment: remote.environment, measuresPeakMemory: false)
        let limit = configuration.scenario.timeLimit + configuration.scenario.cleanupTimeLimit + .seconds(60)
        do {
            let running = try command.start()
            let watchdog = Task {
                try await Task.sleep(for: limit)
                running.send(SIGKILL)
            }
            let outcome = try await BlockingIO.runToCompletion { running.wait() }
            watchdog.cancel()
            return outcome
        } catch {
            return ChildProcess.Outcome(status: -1, seconds: 0, peakRSSBytes: 0, standardOutput: "",
                                        standardError: "cannot run '\(configuration.executable)': \(error)")
        }
    }
}

/// Crash trials could not be run.
public struct CrashTrialError: Error, Sendable, CustomStringConvertible {
    /// What was being done: `remote`, `calibrate`, `workdir`.
    public var operation: String
    /// The directory or endpoint concerned.
    public var path: String
    /// A sentence a person can act on.
    public var message: String

    public var description: String { "crash trials: \(operation) '\(path)': \(message)" }
}
