#if canImport(Glibc)
import Glibc
#endif
import FaultInjection
import Foundation
import Histogram
import Platform
import WriteCache

extension ScenarioRunner {
    // swiftlint:disable:next function_parameter_count
    static func assemble(
        scenario: Scenario, seed: UInt64, startDate: Date, start: ContinuousClock.Instant, flushPhase: Duration,
        remote: RemoteStore, faulty: FaultyStore, cache: WriteCache, state: FlushWorkload.Record.State, reads: ReadCounts,
        checks: RunChecks.Outcome, allChecks: [CheckResult], memory: MemoryReport, gitCommit: String?, timings: PhaseTimings
    ) -> RunResult {
        let seconds = max(flushPhase.seconds, 0.000_001)
        let metrics = cache.metrics
        let bytes = metrics.bytes
        let statistics = cache.fileCache.statistics()
        let acknowledgedBytes = state.objects.reduce(0) { $0 + $1.bytes }

        var latency: [String: LatencySummary] = [:]
        let flushLatencies = flushHistogram(state.latencies)
        if flushLatencies.totalCount > 0 { latency["flush"] = summary(flushLatencies) }
        for operation in CacheOperation.allCases where operation != .flush {
            if let histogram = metrics.latency(operation), histogram.totalCount > 0 {
                latency[operation.rawValue] = summary(histogram)
            }
        }
        var ops: [String: OperationCounters] = [:]
        for (operation, counters) in metrics.operations { ops[operation.rawValue] = counters }

        let faultSummary = faulty.trace.summary(ruleCount: faulty.plan.rules.count)
        let flushes = FlushCounts(attempted: state.succeeded + state.failed + state.empty, succeeded: state.succeeded,
                                  failed: state.failed, empty: state.empty)
        let attempted = Double(bytes.uploaded) / 1_048_576 / seconds
        let throughput = Throughput(flushesPerSecond: Double(flushes.attempted) / seconds,
                                    encodedMiBps: Double(state.encoded) / 1_048_576 / seconds,
                                    acknowledgedMiBps: Double(acknowledgedBytes) / 1_048_576 / seconds,
                                    attemptedMiBps: attempted, uploadedMiBps: attempted)
        let expectations = evaluate(scenario.expect, checks: checks, flushes: flushes, knownOrphans: cache.orphans.all.count,
                                    faults: faultSummary.total, uploadedMiBps: throughput.acknowledgedMiBps,
                                    flushP99: latency["flush"]?.p99Ms)
        let passed = allChecks.allSatisfy(\.passed) && expectations.allSatisfy(\.passed)
        return RunResult(
            scenario: scenario.name, description: scenario.description, file: scenario.file, seed: seed,
            store: remote.description,
            startTime: ISO8601DateFormatter().string(from: startDate),
            durationSeconds: (ContinuousClock.now - start).seconds, timings: timings,
            gitCommit: gitCommit, machine: machine(), throughput: throughput, latency: latency,
            bytes: Bytes(encoded: state.encoded, writtenToCache: bytes.writtenToCache, uploaded: bytes.uploaded,
                         uploadedAcknowledged: bytes.uploadedAcknowledged, downloaded: bytes.downloaded,
                         deletedRemotely: bytes.deletedRemotely, deletedLocally: statistics.deletedBytes,
                         wastedOnFailedAttempts: bytes.wastedOnFailedAttempts),
            ops: ops,
            faults: FaultsReport(injected: faultSummary.total, byKind: faultSummary.byKind, byRule: faultSummary.byRule, trace: faultSummary.trace),
            flushes: flushes, failures: state.failures.sorted { $0.flush < $1.flush }, reads: reads,
            objects: state.objects.sorted { $0.key < $1.key },
            knownOrphans: cache.orphans.all, unknownOrphans: checks.unknownOrphans, memory: memory,
            cache: CacheReport(statistics: statistics, recovery: cache.fileCache.recovery),
            segments: segments(state.completions, total: flushPhase),
            checks: allChecks, expectations: expectations, passed: passed)
    }

    static func summary(_ histogram: Histogram<UInt64>) -> LatencySummary {
        func ms(_ micros: UInt64) -> Double { (Double(micros) / 1000 * 1000).rounded() / 1000 }
        return LatencySummary(count: histogram.totalCount, p50Ms: ms(histogram.valueAtPercentile(50)),
                              p90Ms: ms(histogram.valueAtPercentile(90)), p99Ms: ms(histogram.valueAtPercentile(99)),
                              maxMs: ms(histogram.max), histogram: SparseHistogram(histogram))
    }

    /// Throughput over time: the flush phase cut into up to 10 equal segments (like warp).
    static func segments(_ completions: [(at: Duration, bytes: UInt64)], total: Duration) -> [Segment] {
        let seconds = total.seconds
        guard seconds > 0, !completions.isEmpty else { return [] }
        let count = max(1, min(10, Int(seconds.rounded(.up))))
        let width = seconds / Double(count)
        var result = (0..<count).map { Segment(startSeconds: Double($0) * width, endSeconds: Double($0 + 1) * width, flushesCompleted: 0, uploadedMiB: 0, MiBps: 0) }
        for completion in completions {
            let index = min(count - 1, Int(completion.at.seconds / width))
            result[index].flushesCompleted += 1
            result[index].uploadedMiB += Double(completion.bytes) / 1_048_576
        }
        for index in result.indices { result[index].MiBps = result[index].uploadedMiB / width }
        return result
    }

    static func evaluate(_ expect: Expectations, checks: RunChecks.Outcome, flushes: FlushCounts, knownOrphans: Int,
                         faults: Int, uploadedMiBps: Double, flushP99: Double?) -> [ExpectationResult] {
        var results: [ExpectationResult] = []
        func exact(_ name: String, _ expected: Int?, _ actual: Int) {
            guard let expected else { return }
            results.append(ExpectationResult(name: name, expected: "= \(expected)", actual: "\(actual)", passed: actual == expected))
        }
        func atLeast(_ name: String, _ expected: Int?, _ actual: Int) {
            guard let expected else { return }
            results.append(ExpectationResult(name: name, expected: ">= \(expected)", actual: "\(actual)", passed: actual >= expected))
        }
        func atMost(_ name: String, _ expected: Int?, _ actual: Int) {
            guard let expected else { return }
            results.append(ExpectationResult(name: name, expected: "<= \(expected)", actual: "\(actual)", passed: actual <= expected))
        }
        exact("leftoverFiles", expect.leftoverFiles, checks.leftoverFiles)
        exact("unknownOrphans", expect.unknownOrphans, checks.unknownOrphans.count)
        exact("corruptObjects", expect.corruptObjects, checks.corruptObjects + checks.missingObjects)
        atLeast("minFlushesSucceeded", expect.minFlushesSucceeded, flushes.succeeded)
        atMost("maxFlushesFailed", expect.maxFlushesFailed, flushes.failed)
        atLeast("minFlushesFailed", expect.minFlushesFailed, flushes.failed)
        atLeast("minKnownOrphans", expect.minKnownOrphans, knownOrphans)
        atMost("maxKnownOrphans", expect.maxKnownOrphans, knownOrphans)
        atLeast("minFaultsInjected", expect.minFaultsInjected, faults)
        if let minimum = expect.minUploadMiBps {
            results.append(ExpectationResult(name: "minUploadMiBps", expected: ">= \(minimum)", actual: String(format: "%.1f", uploadedMiBps),
                                             passed: uploadedMiBps >= minimum))
        }
        if let maximum = expect.maxFlushP99 {
            let limit = maximum.inMilliseconds
            let actual = flushP99 ?? 0
            results.append(ExpectationResult(name: "maxFlushP99", expected: "<= \(limit) ms", actual: String(format: "%.1f ms", actual),
                                             passed: actual <= limit))
        }
        return results
    }

    static func machine() -> MachineInfo {
        var info = utsname()
        uname(&info)
        let release = withUnsafeBytes(of: &info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MachineInfo(cores: ProcessInfo.processInfo.activeProcessorCount,
                           memoryBytes: ProcessInfo.processInfo.physicalMemory, os: "Linux \(release)")
    }

    /// The commit of the working directory, if it is a git checkout.
    static func gitCommit() async -> String? {
        let outcome = try? await ChildProcess("git", ["rev-parse", "HEAD"]).run()
        guard let outcome, outcome.status == 0 else { return nil }
        let commit = outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }
}
