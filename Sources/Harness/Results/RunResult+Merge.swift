import Foundation
import Histogram
import WriteCache

/// Why node results cannot be merged into one document.
public struct ResultMergeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension RunResult {
    /// The node this result is of, when it is one node's result of a multi-node run.
    public var nodeSection: NodeSection? {
        guard let nodes, nodes.count == 1 else { return nil }
        return nodes[0]
    }

    /// Merges the results of the nodes of one multi-node run into one document: counters and
    /// bytes summed, latency histograms added (percentiles recomputed from the merged buckets,
    /// never averaged), rates over the longest flush phase, checks and expectations kept per node
    /// (`node-<i>/name`), and one section per node in ``nodes``.
    ///
    /// - Errors: ``ResultMergeError`` when the results are not one node each of the same scenario,
    ///   when two are the same node, or when a latency has no histogram to merge.
    public static func merge(_ results: [RunResult]) throws(ResultMergeError) -> RunResult {
        guard let first = results.first else { throw ResultMergeError(message: "no results to merge") }
        var sections: [NodeSection] = []
        for result in results {
            guard let section = result.nodeSection else {
                throw ResultMergeError(message: "the result of \(result.scenario) (run \(result.runId ?? "?")) is not one node's result "
                    + "of a multi-node run (run with --nodes N --node-index I)")
            }
            guard result.scenario == first.scenario else {
                throw ResultMergeError(message: "results of different scenarios: \(first.scenario) and \(result.scenario)")
            }
            if let twin = sections.first(where: { $0.index == section.index && $0.remotePrefix == section.remotePrefix }) {
                throw ResultMergeError(message: "two results of node \(twin.index) under '\(twin.remotePrefix ?? "?")': give each node's result once")
            }
            sections.append(section)
        }
        let ordered = results.sorted { ($0.nodeSection?.index ?? 0) < ($1.nodeSection?.index ?? 0) }
        var merged = first
        merged.nodes = sections.sorted { $0.index < $1.index }
        merged.runId = Set(results.compactMap(\.runId)).count == 1 ? first.runId : nil
        merged.remotePrefix = nil
        merged.startTime = results.map(\.startTime).min() ?? first.startTime
        merged.durationSeconds = results.map(\.durationSeconds).max() ?? 0
        merged.timings = PhaseTimings(workload: results.map(\.timings.workload).max() ?? 0, checks: results.map(\.timings.checks).max() ?? 0,
                                      cleanup: results.map(\.timings.cleanup).max() ?? 0)
        merged.bytes = results.dropFirst().reduce(first.bytes) { $0.adding($1.bytes) }
        merged.ops = [:]
        for result in results {
            for (name, counters) in result.ops {
                var sum = merged.ops[name] ?? OperationCounters()
                sum.count += counters.count
                sum.failed += counters.failed
                sum.retried += counters.retried
                merged.ops[name] = sum
            }
        }
        merged.latency = try mergedLatency(results)
        merged.flushes = FlushCounts(attempted: results.reduce(0) { $0 + $1.flushes.attempted }, succeeded: results.reduce(0) { $0 + $1.flushes.succeeded },
                                     failed: results.reduce(0) { $0 + $1.flushes.failed }, empty: results.reduce(0) { $0 + $1.flushes.empty })
        merged.reads = ReadCounts(attempted: results.reduce(0) { $0 + $1.reads.attempted }, succeeded: results.reduce(0) { $0 + $1.reads.succeeded },
                                  failed: results.reduce(0) { $0 + $1.reads.failed })
        merged.failures = ordered.flatMap(\.failures)
        merged.objects = ordered.flatMap(\.objects).sorted { $0.key < $1.key }
        merged.knownOrphans = ordered.flatMap(\.knownOrphans)
        merged.unknownOrphans = ordered.flatMap(\.unknownOrphans)
        merged.faults = mergedFaults(ordered)
        merged.memory = MemoryReport(peakAllocatedBytes: results.map(\.memory.peakAllocatedBytes).max() ?? 0,
                                     peakResidentBytes: results.map(\.memory.peakResidentBytes).max() ?? 0,
                                     source: first.memory.source + " (the largest node)")
        merged.cache.statistics = results.dropFirst().reduce(first.cache.statistics) { $0.adding($1.cache.statistics) }
        let phase = results.map(\.flushPhaseSeconds).max() ?? 0
        merged.throughput = mergedThroughput(merged, flushPhase: phase)
        merged.segments = mergedSegments(results, flushPhase: phase)
        merged.checks = ordered.flatMap { result in result.checks.map { prefixed($0, result) } }
        merged.expectations = ordered.flatMap { result in
            result.expectations.map { expectation in
                var named = expectation
                named.name = "node-\(result.nodeSection?.index ?? 0)/" + expectation.name
                return named
            }
        }
        merged.outages = nil
        merged.passed = results.allSatisfy(\.passed)
        return merged
    }

    /// Seconds of the flush phase (flushes over flushes per second).
    var flushPhaseSeconds: Double {
        throughput.flushesPerSecond > 0 ? Double(flushes.attempted) / throughput.flushesPerSecond : durationSeconds
    }

    private static func prefixed(_ check: CheckResult, _ result: RunResult) -> CheckResult {
        var named = check
        named.name = "node-\(result.nodeSection?.index ?? 0)/" + check.name
        return named
    }

    private static func mergedLatency(_ results: [RunResult]) throws(ResultMergeError) -> [String: LatencySummary] {
        var histograms: [String: Histogram<UInt64>] = [:]
        for result in results {
            for (name, summary) in result.latency {
                guard let sparse = summary.histogram else {
                    throw ResultMergeError(message: "the \(name) latency of node \(result.nodeSection?.index ?? 0) has no histogram "
                        + "(a result written before histograms were kept); percentiles cannot be merged without one")
                }
                if histograms[name] == nil {
                    histograms[name] = sparse.histogram()
                } else {
                    histograms[name]!.add(sparse.histogram())
                }
            }
        }
        return histograms.mapValues { ScenarioRunner.summary($0) }
    }

    private static func mergedFaults(_ results: [RunResult]) -> FaultsReport {
        var report = FaultsReport(injected: 0, byKind: [:], byRule: [], trace: [])
        for result in results {
            report.injected += result.faults.injected
            for (kind, count) in result.faults.byKind { report.byKind[kind, default: 0] += count }
            if report.byRule.count < result.faults.byRule.count {
                report.byRule += Array(repeating: 0, count: result.faults.byRule.count - report.byRule.count)
            }
            for (rule, count) in result.faults.byRule.enumerated() { report.byRule[rule] += count }
            report.trace += result.faults.trace
            if let events = result.faults.nodeFaults { report.nodeFaults = (report.nodeFaults ?? []) + events }
        }
        return report
    }

    private static func mergedThroughput(_ merged: RunResult, flushPhase: Double) -> Throughput {
        let seconds = max(flushPhase, 0.000_001)
        let acknowledged = merged.objects.reduce(UInt64(0)) { $0 + $1.bytes }
        let attempted = Double(merged.bytes.uploaded) / 1_048_576 / seconds
        return Throughput(flushesPerSecond: Double(merged.flushes.attempted) / seconds,
                          encodedMiBps: Double(merged.bytes.encoded) / 1_048_576 / seconds,
                          acknowledgedMiBps: Double(acknowledged) / 1_048_576 / seconds,
                          attemptedMiBps: attempted, uploadedMiBps: attempted)
    }

    /// Every node's segments placed (by their middle) on one grid over the longest flush phase.
    private static func mergedSegments(_ results: [RunResult], flushPhase: Double) -> [Segment] {
        let count = results.map(\.segments.count).max() ?? 0
        guard count > 0, flushPhase > 0 else { return [] }
        let width = flushPhase / Double(count)
        var grid = (0..<count).map { Segment(startSeconds: Double($0) * width, endSeconds: Double($0 + 1) * width, flushesCompleted: 0, uploadedMiB: 0, MiBps: 0) }
        for segment in results.flatMap(\.segments) {
            let index = min(count - 1, max(0, Int((segment.startSeconds + segment.endSeconds) / 2 / width)))
            grid[index].flushesCompleted += segment.flushesCompleted
            grid[index].uploadedMiB += segment.uploadedMiB
        }
        for index in grid.indices { grid[index].MiBps = grid[index].uploadedMiB / width }
        return grid
    }
}

extension Bytes {
    func adding(_ other: Bytes) -> Bytes {
        Bytes(encoded: encoded + other.encoded, writtenToCache: writtenToCache + other.writtenToCache, uploaded: uploaded + other.uploaded,
              uploadedAcknowledged: uploadedAcknowledged + other.uploadedAcknowledged, downloaded: downloaded + other.downloaded,
              deletedRemotely: deletedRemotely + other.deletedRemotely, deletedLocally: deletedLocally + other.deletedLocally,
              wastedOnFailedAttempts: wastedOnFailedAttempts + other.wastedOnFailedAttempts)
    }
}

extension FileCacheStatistics {
    func adding(_ other: FileCacheStatistics) -> FileCacheStatistics {
        var sum = self
        sum.files += other.files
        sum.committedBytes += other.committedBytes
        sum.reservedBytes += other.reservedBytes
        sum.capacity += other.capacity
        sum.peakUsedBytes += other.peakUsedBytes
        sum.evictions += other.evictions
        sum.expirations += other.expirations
        sum.hits += other.hits
        sum.misses += other.misses
        sum.deletedBytes += other.deletedBytes
        return sum
    }
}
