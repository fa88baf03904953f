import Foundation
import FaultInjection
@testable import Harness
import WriteCache
import Histogram
import Testing

@Suite("Merging the results of a multi-node run")
struct RunResultMergeTests {
    /// Node `index` of `count` running the small memory scenario.
    func nodeResult(_ index: Int, of count: Int) async throws -> RunResult {
        var options = RunOptions()
        options.node = NodeAssignment(index: index, count: count)
        return try await ScenarioRunner.run(try scenarios(smallScenario(name: "merge", flushes: 4))[0], options: options)
    }

    /// A flush latency of `samples` values of `micros` microseconds.
    func latency(_ micros: UInt64, samples: UInt64) -> LatencySummary {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        _ = histogram.record(micros, count: samples)
        let ms = Double(micros) / 1000
        return LatencySummary(count: samples, p50Ms: ms, p90Ms: ms, p99Ms: ms, maxMs: ms, histogram: SparseHistogram(histogram))
    }

    @Test("each node writes its own regions under node-<i>/, and the merge sums counters and keeps a section per node")
    func nodesWriteApartAndCountersSum() async throws {
        let first = try await nodeResult(0, of: 2)
        let second = try await nodeResult(1, of: 2)
        #expect(first.remotePrefix?.contains("/node-0/") == true && second.remotePrefix?.contains("/node-1/") == true)
        func regions(_ result: RunResult) -> Set<String> {
            Set(result.objects.map { String($0.key.dropFirst(result.remotePrefix?.count ?? 0).split(separator: "/")[0]) })
        }
        #expect(regions(first).isDisjoint(with: regions(second)), "\(regions(first)) \(regions(second))")
        let merged = try RunResult.merge([second, first])
        #expect(merged.nodes?.map(\.index) == [0, 1])
        #expect(merged.flushes.succeeded == first.flushes.succeeded + second.flushes.succeeded)
        #expect(merged.bytes.uploaded == first.bytes.uploaded + second.bytes.uploaded)
        #expect(merged.objects.count == first.objects.count + second.objects.count)
        #expect(merged.ops["upload"]?.count == (first.ops["upload"]?.count ?? 0) + (second.ops["upload"]?.count ?? 0))
        #expect(merged.latency["flush"]?.count == (first.latency["flush"]?.count ?? 0) + (second.latency["flush"]?.count ?? 0))
        #expect(merged.checks.contains { $0.name == "node-1/integrity" })
        #expect(merged.passed)
        // The merged document round-trips through JSON (what `flushbench merge` reads back).
        let decoded = try JSONDecoder().decode(RunResult.self, from: try ResultWriter.encoder().encode(merged))
        #expect(decoded.nodes?.count == 2 && decoded.latency["flush"]?.histogram == merged.latency["flush"]?.histogram)
    }

    @Test("percentiles come from the merged histograms, never from averaging the nodes' percentiles")
    func percentilesFromMergedHistograms() async throws {
        var fast = try await nodeResult(0, of: 2)
        var slow = try await nodeResult(1, of: 2)
        fast.latency = ["flush": latency(1_000, samples: 100)]
        slow.latency = ["flush": latency(100_000, samples: 100)]
        let flush = try #require(try RunResult.merge([fast, slow]).latency["flush"])
        #expect(flush.count == 200)
        #expect(abs(flush.p50Ms - 1.0) < 0.01, "p50 \(flush.p50Ms): an average of the nodes' p50 would be 50.5")
        #expect(abs(flush.p99Ms - 100.0) < 0.1, "p99 \(flush.p99Ms)")
    }

    @Test("results that do not belong together are refused with a reason")
    func refusesMismatchedResults() async throws {
        let node = try await nodeResult(0, of: 2)
        #expect(throws: ResultMergeError.self) { try RunResult.merge([node, node]) }
        var alone = node
        alone.nodes = nil
        #expect(throws: ResultMergeError.self) { try RunResult.merge([alone]) }
        var other = try await nodeResult(1, of: 2)
        other.scenario = "another"
        #expect(throws: ResultMergeError.self) { try RunResult.merge([node, other]) }
        var old = try await nodeResult(1, of: 2)
        old.latency["flush"]?.histogram = nil
        #expect(throws: ResultMergeError.self) { try RunResult.merge([node, old]) }
    }

    @Test("an outage's retries and time to recover come from the fault events and the throughput segments")
    func outageFromEventsAndSegments() {
        let segments = (0..<6).map { index in
            Segment(startSeconds: Double(index * 2), endSeconds: Double(index * 2 + 2), flushesCompleted: 1, uploadedMiB: 1,
                    MiBps: [10, 10, 2, 3, 6, 9][index])
        }
        let events = [
            NodeFaultEvent(rule: 0, kind: "kill", node: "volume:1", action: "killed", atSeconds: 4.0, detail: "", retriesSoFar: 3),
            NodeFaultEvent(rule: 0, kind: "kill", node: "volume:1", action: "restarted", atSeconds: 6.5, detail: "", retriesSoFar: 11),
        ]
        let outage = NodeOutage.from(events, segments: segments).first
        #expect(outage?.retriesDuringOutage == 8)
        #expect(outage?.baselineMiBps == 10)
        // 6 MiB/s (segment 8-10 s) is below 80 % of 10; 9 MiB/s (10-12 s) is the first above.
        #expect(outage?.recoveredAtSeconds == 10)
        #expect(outage?.timeToRecoverSeconds == 3.5)

        // Nothing completed before the fault: there is no rate to recover to.
        let idle = segments.map { segment in
            var quiet = segment
            if segment.endSeconds <= 4 { quiet.MiBps = 0 }
            return quiet
        }
        let slowStart = NodeOutage.from(events, segments: idle).first
        #expect(slowStart?.baselineMiBps == 0 && slowStart?.recoveredAtSeconds == nil && slowStart?.timeToRecoverSeconds == nil)
    }
}
