import Foundation

/// A property of the cache that the checker verifies.
public enum Check: String, Codable, Sendable, CaseIterable, Comparable {
    /// Every acknowledged object is on the remote with exactly the acknowledged bytes
    /// (checked after each operation for keys no operation is writing, and at quiescence).
    case acknowledgedOnRemote
    /// An acknowledgement reports the size that was written.
    case acknowledgedSize
    /// A successful flush acknowledges its data file and, when it wrote one, its index file.
    case flushAcknowledgesEveryFile
    /// Every successful read returns exactly the bytes written for that key and range.
    case readBytes
    /// A read fails only when the key was never acknowledged, a fault fired on the key while it
    /// ran, or it was cancelled.
    case readFailsOnlyForACause
    /// A put or flush fails only when a fault hit one of its objects while it ran, or it was
    /// cancelled.
    case writeFailsOnlyForACause
    /// A key that was never written cannot be read or downloaded.
    case noPhantomKeys
    /// No known orphan names an acknowledged object.
    case knownOrphanNotAcknowledged
    /// Every remote object is acknowledged or a known orphan (at quiescence).
    case noUnknownOrphans
    /// The index equals the files on disk, and each cached copy equals the written bytes.
    case indexMatchesDisk
    /// Committed plus reserved bytes never exceed the capacity, nor does the peak.
    case capacity
    /// No file in the cache's temp directory once quiet.
    case noTemporaryFiles
    /// No file descriptor left open once quiet (when ``SimulationConfiguration/checkDescriptors``).
    case noOpenDescriptors
    /// Once every caller has returned, no work of theirs still waits on the clock.
    case noWorkAfterCallersLeft
    /// Every operation ends within its bound in simulated time.
    case operationBound
    /// Every incomplete upload left on the remote is a known orphan with its upload id (at
    /// quiescence): an abort that failed is recorded, an abort that was skipped is found.
    case incompleteUploadsKnown
    /// The cache retried only transient errors (a permanent one, such as AccessDenied, fails at once).
    case retriesOnlyTransient

    public static func < (lhs: Check, rhs: Check) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A property that did not hold.
public struct Violation: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The property.
    public var check: Check
    /// The step during (or after) which it was found; `nil` at the end of the run.
    public var step: Int?
    /// What was seen.
    public var detail: String

    public init(check: Check, step: Int?, detail: String) {
        self.check = check
        self.step = step
        self.detail = detail
    }

    public var description: String {
        "\(check.rawValue)\(step.map { " (step \($0))" } ?? ""): \(detail)"
    }
}

/// What one simulated history did and found.
public struct SimulationReport: Sendable {
    /// The history's seed.
    public var seed: UInt64
    /// Steps executed (a run stops at the step where a violation is found).
    public var stepsRun: Int
    /// Steps by kind (`put`, `read`, ...).
    public var operationsByKind: [String: Int]
    /// Cache operations that failed (by kind).
    public var failedByKind: [String: Int]
    /// Failed cache operations by error code (`store`, `capacity`, `cancelled`, ...).
    public var failedByCode: [String: Int] = [:]
    /// Injected faults by kind.
    public var faultsByKind: [String: Int]
    /// Individual checks evaluated.
    public var checksRun: Int
    /// What did not hold (empty: clean).
    public var violations: [Violation]
    /// Real seconds the run took.
    public var seconds: Double

    /// Whether no violation was found.
    public var isClean: Bool { violations.isEmpty }
}

/// Totals over many histories, for the CLI's summary.
public struct SimulationSummary: Sendable {
    /// Histories run.
    public var histories = 0
    /// Steps executed.
    public var steps = 0
    /// Steps by kind.
    public var operationsByKind: [String: Int] = [:]
    /// Failed operations by kind.
    public var failedByKind: [String: Int] = [:]
    /// Failed operations by error code.
    public var failedByCode: [String: Int] = [:]
    /// Faults injected by kind.
    public var faultsByKind: [String: Int] = [:]
    /// Checks evaluated.
    public var checksRun = 0
    /// Seeds with a violation, with their first violation.
    public var failures: [(seed: UInt64, violation: Violation)] = []
    /// Real seconds, summed over histories.
    public var seconds = 0.0

    public init() {}

    /// Adds one run.
    public mutating func add(_ report: SimulationReport) {
        histories += 1
        steps += report.stepsRun
        operationsByKind.merge(report.operationsByKind, uniquingKeysWith: +)
        failedByKind.merge(report.failedByKind, uniquingKeysWith: +)
        failedByCode.merge(report.failedByCode, uniquingKeysWith: +)
        faultsByKind.merge(report.faultsByKind, uniquingKeysWith: +)
        checksRun += report.checksRun
        seconds += report.seconds
        if let first = report.violations.first { failures.append((report.seed, first)) }
    }

    /// A few lines for people: totals, operations and faults by kind, checks, speed.
    public func text() -> String {
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        let rate = seconds > 0 ? Double(steps) / seconds : 0
        var lines = [
            "histories: \(histories), steps: \(steps), checks: \(checksRun), \(String(format: "%.0f", rate)) steps/s over \(String(format: "%.1f", seconds)) s",
            "operations: \(list(operationsByKind))",
            "failed operations: \(list(failedByKind)); by error: \(list(failedByCode))",
            "faults injected: \(list(faultsByKind))",
        ]
        lines.append(failures.isEmpty ? "violations: none" : "violations in \(failures.count) histories:")
        for failure in failures.prefix(20) { lines.append("  seed \(failure.seed): \(failure.violation)") }
        return lines.joined(separator: "\n")
    }
}
