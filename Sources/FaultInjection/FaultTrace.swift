public import ObjectStore
import Synchronization

/// One injected fault: which rule hit which operation on which key, at which attempt, and what
/// it did.
public struct FaultRecord: Sendable, Hashable, Codable {
    /// The rule's index in the plan.
    public var rule: Int
    /// The fault's kind.
    public var kind: FaultKind
    /// The operation it hit.
    public var operation: ObjectStoreError.Operation
    /// The key (a list's prefix).
    public var key: String
    /// A read's range start; `nil` for other operations.
    public var offset: UInt64?
    /// The attempt of this operation on this key (and offset), from 1.
    public var attempt: Int
    /// The bytes the fault touched: sent before a partial cut, dropped by a torn write, whose
    /// acknowledgement was lost, paced by a bandwidth limit; 0 for the others.
    public var bytesAffected: UInt64
    /// Time the fault added (latency, bandwidth, hang), in seconds.
    public var delaySeconds: Double?
    /// What happened, in words (`"SlowDown"`, `"kept 1048576 of 8388608 bytes"`).
    public var detail: String
    /// Where it was injected: `network` by the fault proxy, `local` by the cache's file layer (the key
    /// is then the file's path, the operation `write` for a write or an fsync, as the detail says);
    /// `nil` means the store layer.
    public var layer: FaultRule.Layer?
    /// The S3 operation a network fault hit.
    public var s3Operation: S3Operation?
    /// The multipart part number a network fault hit.
    public var part: Int?

    public init(rule: Int, kind: FaultKind, operation: ObjectStoreError.Operation, key: String, offset: UInt64? = nil,
                attempt: Int, bytesAffected: UInt64 = 0, delaySeconds: Double? = nil, detail: String,
                layer: FaultRule.Layer? = nil, s3Operation: S3Operation? = nil, part: Int? = nil) {
        self.layer = layer
        self.s3Operation = s3Operation
        self.part = part
        self.rule = rule
        self.kind = kind
        self.operation = operation
        self.key = key
        self.offset = offset
        self.attempt = attempt
        self.bytesAffected = bytesAffected
        self.delaySeconds = delaySeconds
        self.detail = detail
    }

    /// The trace order: key, operation, offset, attempt, rule, kind — none of which depends on
    /// scheduling, so two runs of one scenario and seed export identical traces.
    static func precedes(_ a: FaultRecord, _ b: FaultRecord) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.operation != b.operation { return a.operation.rawValue < b.operation.rawValue }
        if a.offset != b.offset { return (a.offset ?? 0) < (b.offset ?? 0) }
        if a.attempt != b.attempt { return a.attempt < b.attempt }
        if a.rule != b.rule { return a.rule < b.rule }
        if a.kind != b.kind { return a.kind < b.kind }
        if a.layer != b.layer { return (a.layer?.rawValue ?? "") < (b.layer?.rawValue ?? "") }
        if a.s3Operation != b.s3Operation { return (a.s3Operation?.rawValue ?? "") < (b.s3Operation?.rawValue ?? "") }
        if a.part != b.part { return (a.part ?? 0) < (b.part ?? 0) }
        return a.detail < b.detail
    }
}

/// The faults a ``FaultyStore`` injected, recorded as they happen from any number of tasks.
///
/// Exported sorted (``records()``) so the trace of a run does not depend on which task got
/// to the store first; a CI failure's trace says exactly which faults to replay.
public final class FaultTrace: Sendable {
    private let entries = Mutex<[FaultRecord]>([])

    /// Creates an empty trace.
    public init() {}

    /// Adds `record`.
    public func record(_ record: FaultRecord) {
        entries.withLock { $0.append(record) }
    }

    /// The number of faults recorded so far.
    public var count: Int { entries.withLock { $0.count } }

    /// The records from position `start` on, in the order they were recorded (not sorted):
    /// what a checker that follows the trace as it grows has not seen yet.
    public func records(recordedFrom start: Int) -> [FaultRecord] {
        entries.withLock { entries in start < entries.count ? Array(entries[max(0, start)...]) : [] }
    }

    /// Every record, in trace order (key, operation, offset, attempt, rule).
    public func records() -> [FaultRecord] {
        entries.withLock { $0 }.sorted(by: FaultRecord.precedes)
    }

    /// The records with counts per kind and per rule, for a run's results.
    ///
    /// - Parameter ruleCount: rules in the plan, so rules that never hit show a zero.
    public func summary(ruleCount: Int) -> FaultTraceSummary {
        FaultTraceSummary(records: records(), ruleCount: ruleCount)
    }
}

/// A run's faults as its results carry them: totals per kind and rule, and the full trace.
public struct FaultTraceSummary: Sendable, Hashable, Codable {
    /// Faults injected.
    public var total: Int
    /// Faults per kind name (every kind listed, zero when none).
    public var byKind: [String: Int]
    /// Faults per rule, indexed like the plan's rules.
    public var byRule: [Int]
    /// Every fault, in trace order.
    public var trace: [FaultRecord]

    /// Counts `records` (already in trace order).
    public init(records: [FaultRecord], ruleCount: Int) {
        var byKind = Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { ($0.rawValue, 0) })
        var byRule = Array(repeating: 0, count: max(ruleCount, (records.map(\.rule).max() ?? -1) + 1))
        for record in records {
            byKind[record.kind.rawValue, default: 0] += 1
            byRule[record.rule] += 1
        }
        self.total = records.count
        self.byKind = byKind
        self.byRule = byRule
        self.trace = records
    }
}
