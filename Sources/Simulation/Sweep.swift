/// Runs many seeds, writes a history file for each violation, and sums up.
public struct Sweep: Sendable {
    /// The parameters of every history.
    public var configuration: SimulationConfiguration
    /// Where failing histories are written (`simulate-<seed>.json`); `nil` writes none.
    public var historyDirectory: String?
    /// Whether to shrink a failing history before writing it.
    public var shrink: Bool
    /// Whether to stop at the first seed that finds a violation.
    public var stopAtFirstFailure = false

    public init(configuration: SimulationConfiguration, historyDirectory: String? = nil, shrink: Bool = true) {
        self.configuration = configuration
        self.historyDirectory = historyDirectory
        self.shrink = shrink
    }

    /// A failing history and where it was written.
    public struct Failure: Sendable {
        /// The seed.
        public var seed: UInt64
        /// The violation found.
        public var violation: Violation
        /// The history file, when one was written.
        public var path: String?
        /// Steps of the written (shrunk) history.
        public var steps: Int
    }

    /// Runs `seeds` one after another; `progress` is called after each.
    ///
    /// - Errors: ``SimulationError`` when a run cannot be set up or a history cannot be written.
    public func run(seeds: ClosedRange<UInt64>,
                    progress: (SimulationReport, SimulationSummary) -> Void = { _, _ in }) async throws(SimulationError) -> (SimulationSummary, [Failure]) {
        var summary = SimulationSummary()
        var failures: [Failure] = []
        let simulator = Simulator()
        for seed in seeds {
            let (report, history) = try await simulator.run(seed: seed, configuration: configuration)
            summary.add(report)
            progress(report, summary)
            guard let violation = report.violations.first else { continue }
            let kept = shrink ? await Shrinker().shrink(history, violation: violation) : history
            var path: String?
            if let historyDirectory {
                path = "\(historyDirectory)/simulate-\(seed).json"
                try kept.write(to: path!)
            }
            failures.append(Failure(seed: seed, violation: violation, path: path, steps: kept.steps.count))
            if stopAtFirstFailure { break }
        }
        return (summary, failures)
    }
}

/// Makes a failing history smaller: drops chunks of steps, then fault rules, while the same check
/// still fails.
///
/// A run is not fully deterministic (task interleaving, back-off jitter), so a candidate counts as
/// failing when one of `tries` runs fails; the result is a history that failed at least once.
public struct Shrinker: Sendable {
    /// Runs of the simulator at most.
    public var budget: Int
    /// Runs per candidate.
    public var tries: Int
    /// The simulator that runs the candidates.
    let simulator: Simulator

    public init(budget: Int = 200, tries: Int = 2) {
        self.init(budget: budget, tries: tries, simulator: Simulator())
    }

    /// A shrinker running its candidates on `simulator` (one with a planted remote, in tests).
    init(budget: Int, tries: Int, simulator: Simulator) {
        self.budget = budget
        self.tries = tries
        self.simulator = simulator
    }

    /// The smallest history found that still violates `violation`'s check.
    ///
    /// Steps after the violating one are dropped first, then the run is made serial
    /// (concurrency 1) if it still fails so, then chunks of steps of halving size, then rules.
    public func shrink(_ history: History, violation: Violation) async -> History {
        let check = violation.check
        var best = history
        var runs = 0
        func fails(_ candidate: History) async -> Bool {
            for _ in 0..<tries where runs < budget {
                runs += 1
                if let report = try? await simulator.replay(candidate), report.violations.contains(where: { $0.check == check }) {
                    return true
                }
            }
            return false
        }
        if let step = violation.step, step + 1 < best.steps.count {
            var candidate = best
            candidate.steps.removeSubrange((step + 1)...)
            if await fails(candidate) { best = candidate }
        }
        if best.configuration.concurrency > 1 {
            var candidate = best
            candidate.configuration.concurrency = 1
            if await fails(candidate) { best = candidate }
        }
        var chunk = max(1, best.steps.count / 2)
        while runs < budget {
            var start = 0
            while start < best.steps.count, runs < budget {
                var candidate = best
                candidate.steps.removeSubrange(start..<min(start + chunk, best.steps.count))
                if await fails(candidate) { best = candidate } else { start += chunk }
            }
            if chunk == 1 { break }
            chunk /= 2
        }
        var index = 0
        while index < best.faults.count, runs < budget {
            var candidate = best
            candidate.faults.remove(at: index)
            if await fails(candidate) { best = candidate } else { index += 1 }
        }
        return best
    }
}
