/// The exit statuses of every `flushbench` command: the one table (README, "Exit statuses").
///
/// CI reads these, so a value never changes meaning. `compare` and `gate` report their verdict
/// with the same numbers (``GateVerdict/exitStatus``).
public enum ExitStatus: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Everything held: every check and expectation (`run`), the gate passed (`gate`, `compare`).
    case ok = 0
    /// A check or expectation failed (`run`, `report`); a regression (`gate`, `compare`).
    case failed = 1
    /// The input was invalid: a scenario or result file, an option, a thresholds file. The
    /// message names the file and what was expected.
    case invalidInput = 2
    /// `gate`, `compare`: an invariant was violated in a current run.
    case invariantViolated = 3
    /// `gate`, `compare`: a timing improved beyond its threshold (refresh the baseline).
    case improvement = 4
    /// The run could not be set up (endpoint, credentials, bucket, work directory, lock);
    /// nothing was attempted.
    case setupFailed = 5
    /// A crash trial's process ended by an injected crash (`FaultyStore.crashExitStatus`).
    case injectedCrash = 86
    /// Interrupted by SIGINT (Ctrl-C), after clean-up: 128 + 2.
    case interrupted = 130
    /// Stopped by SIGTERM, after clean-up: 128 + 15.
    case terminated = 143

    public var description: String {
        switch self {
        case .ok: "ok"
        case .failed: "a check or expectation failed (gate, compare: a regression)"
        case .invalidInput: "invalid input"
        case .invariantViolated: "an invariant was violated (gate, compare)"
        case .improvement: "a timing improved beyond its threshold (gate, compare)"
        case .setupFailed: "setup failed (endpoint, credentials, bucket, work directory, lock); nothing was attempted"
        case .injectedCrash: "ended by an injected crash (crash trials)"
        case .interrupted: "interrupted (SIGINT) after clean-up"
        case .terminated: "terminated (SIGTERM) after clean-up"
        }
    }
}

extension GateVerdict {
    /// The exit status that carries this verdict.
    public var exitStatus: ExitStatus {
        switch self {
        case .pass: .ok
        case .regression: .failed
        case .invalidInput: .invalidInput
        case .invariantViolated: .invariantViolated
        case .improvement: .improvement
        }
    }
}
