import FaultInjection
import ObjectStore
import WriteCache

/// Which way a metric gets better.
public enum MetricDirection: String, Sendable, Codable {
    case biggerIsBetter
    case smallerIsBetter
}

/// A figure the gate reads from a run result.
public struct TimedMetric: Sendable {
    /// The name thresholds use, a path into the result document (`latency.flush.p99Ms`).
    public var name: String
    /// A short label for tables.
    public var label: String
    public var unit: String
    public var direction: MetricDirection
    /// The figure in `result`, `nil` when the run has none (no flush completed).
    public var value: @Sendable (RunResult) -> Double?
}

/// The metrics and counters the gate compares.
public enum GateMetrics {
    /// Figures that depend on the machine and its load: compared on medians with thresholds and
    /// the noise rule.
    public static let timed: [TimedMetric] = [
        TimedMetric(name: "throughput.flushesPerSecond", label: "throughput", unit: "flushes/s", direction: .biggerIsBetter) {
            $0.throughput.flushesPerSecond
        },
        TimedMetric(name: "throughput.acknowledgedMiBps", label: "goodput", unit: "MiB/s", direction: .biggerIsBetter) {
            $0.throughput.acknowledgedMiBps
        },
        TimedMetric(name: "latency.flush.p50Ms", label: "flush p50", unit: "ms", direction: .smallerIsBetter) {
            $0.latency["flush"]?.p50Ms
        },
        TimedMetric(name: "latency.flush.p99Ms", label: "flush p99", unit: "ms", direction: .smallerIsBetter) {
            $0.latency["flush"]?.p99Ms
        },
        TimedMetric(name: "memory.peakResidentMiB", label: "peak memory", unit: "MiB", direction: .smallerIsBetter) {
            Double($0.memory.peakResidentBytes) / 1_048_576
        },
    ]

    /// Counters shown in every scenario's table even when they match.
    public static let headline = ["bytes.uploaded", "bytes.wastedOnFailedAttempts", "ops.retried", "faults.injected"]

    /// The counters a seed fixes, by name: flushes, reads, bytes, faults per kind and per rule,
    /// operations per kind (count, failed, retried) and their total retries, objects, orphans.
    public static func counters(_ result: RunResult) -> [String: Double] {
        var values: [String: Double] = [
            "flushes.attempted": Double(result.flushes.attempted),
            "flushes.succeeded": Double(result.flushes.succeeded),
            "flushes.failed": Double(result.flushes.failed),
            "flushes.empty": Double(result.flushes.empty),
            "reads.attempted": Double(result.reads.attempted),
            "reads.succeeded": Double(result.reads.succeeded),
            "reads.failed": Double(result.reads.failed),
            "bytes.encoded": Double(result.bytes.encoded),
            "bytes.writtenToCache": Double(result.bytes.writtenToCache),
            "bytes.uploaded": Double(result.bytes.uploaded),
            "bytes.uploadedAcknowledged": Double(result.bytes.uploadedAcknowledged),
            "bytes.downloaded": Double(result.bytes.downloaded),
            "bytes.deletedRemotely": Double(result.bytes.deletedRemotely),
            "bytes.deletedLocally": Double(result.bytes.deletedLocally),
            "bytes.wastedOnFailedAttempts": Double(result.bytes.wastedOnFailedAttempts),
            "faults.injected": Double(result.faults.injected),
            "objects.count": Double(result.objects.count),
            "knownOrphans.count": Double(result.knownOrphans.count),
        ]
        for (kind, count) in result.faults.byKind where count > 0 { values["faults.byKind.\(kind)"] = Double(count) }
        for (rule, count) in result.faults.byRule.enumerated() { values["faults.byRule.\(rule)"] = Double(count) }
        var retried: UInt64 = 0
        for (operation, counters) in result.ops {
            values["ops.\(operation).count"] = Double(counters.count)
            values["ops.\(operation).failed"] = Double(counters.failed)
            values["ops.\(operation).retried"] = Double(counters.retried)
            retried += counters.retried
        }
        values["ops.retried"] = Double(retried)
        return values
    }

    /// Fingerprints of what a seed fixes beyond counts: the acknowledged objects (key, size,
    /// checksum) and the fault trace (rule, kind, operation, key, offset, attempt, bytes), each
    /// sorted so scheduling order does not matter. Keys lose their run id, which differs per run.
    public static func fingerprints(_ result: RunResult) -> [String: String] {
        let objects = result.objects.map { "\(result.seededKey($0.key))|\($0.bytes)|\($0.checksum)|\($0.rows)" }.sorted()
        let trace = result.faults.trace.map {
            "\($0.rule)|\($0.kind.rawValue)|\($0.operation.rawValue)|\($0.key)|\($0.offset.map(String.init) ?? "-")|\($0.attempt)|\($0.bytesAffected)"
        }.sorted()
        return ["objects": fnv1a(objects), "faults.trace": fnv1a(trace)]
    }

    /// 64-bit FNV-1a of the lines, as 16 hex digits: stable across runs and platforms.
    static func fnv1a(_ lines: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in lines {
            for byte in line.utf8 + [10] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
