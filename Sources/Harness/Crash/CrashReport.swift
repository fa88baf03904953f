import Foundation

extension CrashTrials {
    /// One trial: its seed and death point, what recovery found, what the journal and gc showed.
    public struct Trial: Sendable, Codable, Equatable {
        /// Its index in the run.
        public var index: Int
        /// The trial seed (``CrashTrials/trialSeed(_:index:)``).
        public var seed: UInt64
        /// The store operation the child was to die at (counted from 1).
        public var dieAt: Int
        /// `died` (at the point), `completed` (the point lay beyond the run), or `status N`.
        public var outcome = ""
        /// The child's exit status.
        public var exitStatus: Int32 = 0
        /// The operation and key it died at, as the child named them.
        public var death: String?
        /// The child's wall-clock seconds.
        public var childSeconds: Double = 0
        /// Recovery: files indexed, torn files removed, temp files removed, foreign entries,
        /// orphans in the persisted ledger.
        public var recovered = 0
        public var torn = 0
        public var temporaryRemoved = 0
        public var foreign = 0
        public var knownOrphans = 0
        /// Temp files of the fs store (writes a death cut) that its open removed.
        public var storeTemporaryRemoved = 0
        /// Flushes and objects in the journal, and objects verified on the remote (size, SHA-256).
        public var acknowledgedFlushes = 0
        public var journaledObjects = 0
        public var verifiedObjects = 0
        /// What gc removed.
        public var gcDeleted = 0
        public var gcAborted = 0
        /// Everything inconsistent; empty when the trial is consistent.
        public var problems: [String] = []
        /// The work area, kept when the trial is inconsistent.
        public var keptWorkArea: String?
        /// `kill` or `power`.
        public var mode: String?
        /// Bytes of the dying file write that reached the disk, when the death fell on one.
        public var cut: Int?
        /// The command that replays this trial's death point.
        public var replay: String?

        /// Whether every check held.
        public var consistent: Bool { problems.isEmpty }

        init(index: Int, seed: UInt64, dieAt: Int) {
            self.index = index
            self.seed = seed
            self.dieAt = dieAt
        }
    }
}

/// The result of a crash-trial run (`crash-<scenario>-*.json`).
public struct CrashReport: Sendable, Codable, Equatable {
    /// The scenario's name.
    public var scenario: String
    /// `fs` or `s3`.
    public var store: String
    /// `kill`.
    public var mode: String
    /// The run seed (`--seed`).
    public var seed: UInt64
    /// Store operations of one undisturbed run (death points are drawn below it).
    public var calibratedOperations: Int
    /// Every trial, in order.
    public var trials: [CrashTrials.Trial]
    /// Wall-clock seconds of the whole run, calibration included.
    public var seconds: Double

    /// Whether every trial is consistent.
    public var consistent: Bool { trials.allSatisfy(\.consistent) }

    /// One line per trial.
    public static func line(_ trial: CrashTrials.Trial) -> String {
        let status = trial.consistent ? "ok" : "INCONSISTENT"
        var line = "trial \(trial.index) seed \(trial.seed) die-at \(trial.dieAt) \(trial.outcome)"
            + (trial.death.map { " (\($0))" } ?? "")
            + String(format: " %.1fs: ", trial.childSeconds)
            + "recovered \(trial.recovered), torn \(trial.torn), temp removed \(trial.temporaryRemoved) (store \(trial.storeTemporaryRemoved)), foreign \(trial.foreign); "
            + "acknowledged \(trial.acknowledgedFlushes) flush(es), \(trial.verifiedObjects)/\(trial.journaledObjects) object(s) verified; "
            + "gc deleted \(trial.gcDeleted), aborted \(trial.gcAborted): \(status)"
        for problem in trial.problems { line += "\n    \(problem)" }
        if let kept = trial.keptWorkArea { line += "\n    work area kept: \(kept)" }
        if !trial.consistent, let replay = trial.replay { line += "\n    replay: \(replay)" }
        return line
    }

    /// A Markdown summary: one row per death outcome and operation kind, and the totals.
    public var summary: String {
        var rows: [String: (trials: Int, consistent: Int, torn: Int, temp: Int, acked: Int, gc: Int)] = [:]
        for trial in trials {
            let kind = trial.death.map { String($0.prefix { $0 != "'" }).trimmingCharacters(in: .whitespaces) } ?? trial.outcome
            var row = rows[kind, default: (0, 0, 0, 0, 0, 0)]
            row.trials += 1
            row.consistent += trial.consistent ? 1 : 0
            row.torn += trial.torn
            row.temp += trial.temporaryRemoved
            row.acked += trial.acknowledgedFlushes
            row.gc += trial.gcDeleted + trial.gcAborted
            rows[kind] = row
        }
        var text = "| death point | trials | consistent | torn | temp removed | flushes acknowledged | gc removed |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for (kind, row) in rows.sorted(by: { $0.key < $1.key }) {
            text += "| \(kind) | \(row.trials) | \(row.consistent) | \(row.torn) | \(row.temp) | \(row.acked) | \(row.gc) |\n"
        }
        let passed = trials.filter(\.consistent).count
        text += String(format: "\n%@ (%@, %@, seed %llu): %d of %d trials consistent; %d store and file operations per run; %.1f s (%.2f s per trial)\n",
                       scenario, store, mode, seed, passed, trials.count, calibratedOperations, seconds, seconds / Double(max(trials.count, 1)))
        return text
    }
}
