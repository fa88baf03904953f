import Foundation

/// The time budget of one run: `timeLimit` for the workload, then `cleanupTimeLimit` for the
/// wait for stopped flushes, the checks and the clean-up, so a run ends within
/// `timeLimit + cleanupTimeLimit` whatever the store does.
///
/// The clean-up budget starts when the workload ends (at `timeLimit` at the latest). Stopped
/// flushes may clean up during its first half; the checks must end by three quarters of it; the
/// last quarter is kept for the clean-up.
final class RunBudget: Sendable {
    let start: ContinuousClock.Instant
    let timeLimit: Duration
    let cleanupTimeLimit: Duration
    private let ended = Locked<ContinuousClock.Instant?>(nil)

    init(start: ContinuousClock.Instant, timeLimit: Duration, cleanupTimeLimit: Duration) {
        self.start = start
        self.timeLimit = timeLimit
        self.cleanupTimeLimit = cleanupTimeLimit
    }

    /// When in-flight flushes and reads are cancelled.
    var workloadDeadline: ContinuousClock.Instant { start + timeLimit }

    /// When the workload ended (its deadline until ``workloadEnded(in:)`` is called).
    var workloadEndedAt: ContinuousClock.Instant { ended.withLock { $0 } ?? workloadDeadline }

    /// Where the clean-up budget starts: the end of the workload, at its deadline at the latest.
    private var budgetStart: ContinuousClock.Instant { min(ended.withLock { $0 } ?? workloadDeadline, workloadDeadline) }

    /// Until when stopped flushes may clean up (their store calls are cut off then).
    var drainDeadline: ContinuousClock.Instant { workloadDeadline + cleanupTimeLimit / 2 }

    /// When the checks are stopped.
    var checksDeadline: ContinuousClock.Instant { budgetStart + cleanupTimeLimit * 3 / 4 }

    /// When the run is over, whatever is still running.
    var end: ContinuousClock.Instant { budgetStart + cleanupTimeLimit }

    /// Records that the workload phase returned (now), however it ended.
    func workloadEnded(in _: PhaseBudget.End) {
        ended.withLock { $0 = .now }
    }

    /// The `time-limit` check: the workload finished within `timeLimit`, and the checks and
    /// the clean-up within `cleanupTimeLimit`.
    func check(workload: PhaseBudget.End, checksCompleted: Bool, cleanup: PhaseBudget.End, timings: PhaseTimings) -> CheckResult {
        let afterwards = timings.checks + timings.cleanup
        var problems: [String] = []
        let interrupted = workload != .finished && workloadEndedAt < workloadDeadline
        switch workload {
        case .finished: break
        case _ where interrupted: problems.append("the workload was interrupted (cancelled) before its time limit of \(Self.format(timeLimit))")
        case .cancelled: problems.append("the workload was stopped at its time limit of \(Self.format(timeLimit)) (flushes and reads in flight cancelled)")
        case .abandoned: problems.append("the workload was stopped at its time limit of \(Self.format(timeLimit)) and its flushes were still cleaning up \(Self.format(cleanupTimeLimit / 2)) later (abandoned)")
        }
        if !checksCompleted { problems.append("the checks did not finish within the clean-up budget (cleanupTimeLimit \(Self.format(cleanupTimeLimit)))") }
        if cleanup != .finished { problems.append("the clean-up did not finish within the clean-up budget (cleanupTimeLimit \(Self.format(cleanupTimeLimit)))") }
        if problems.isEmpty, afterwards > cleanupTimeLimit.seconds {
            problems.append("the checks and the clean-up took \(Self.format(afterwards)), over the cleanupTimeLimit of \(Self.format(cleanupTimeLimit))")
        }
        let figures = "workload \(Self.format(timings.workload)) (timeLimit \(Self.format(timeLimit))), checks \(Self.format(timings.checks))"
            + " + clean-up \(Self.format(timings.cleanup)) (cleanupTimeLimit \(Self.format(cleanupTimeLimit)))"
        return CheckResult(name: "time-limit", passed: problems.isEmpty,
                           detail: problems.isEmpty ? figures : problems.joined(separator: "; ") + "; " + figures)
    }

    static func format(_ duration: Duration) -> String {
        format(duration.seconds)
    }

    static func format(_ seconds: Double) -> String {
        String(format: "%.1f s", seconds)
    }
}
