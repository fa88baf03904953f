import Foundation
import Harness
import Testing

@Suite("Throughput headlines what was acknowledged, not what was sent")
struct RunResultGoodputTests {
    /// Every write is cut off after 90% of its bytes: bytes go out, nothing is ever acknowledged.
    static let nothingAcknowledged = smallScenario(name: "nothing-acknowledged", flushes: 4, rows: 20_000, extra: """
        "faults": [ { "op": "write", "kind": "partial", "afterFraction": 0.9 } ],
        "expect": { "minFlushesFailed": 4 }
        """)

    @Test("a run where nothing was acknowledged reports 0 MiB/s goodput beside the attempted rate")
    func nothingAcknowledgedIsZeroGoodput() async throws {
        let result = try await ScenarioRunner.run(try scenarios(Self.nothingAcknowledged)[0])
        #expect(result.flushes.succeeded == 0)
        #expect(result.bytes.uploaded > 0, "the partial writes sent bytes")
        let json = try JSONSerialization.jsonObject(with: ResultWriter.encoder().encode(result)) as! [String: Any]
        let throughput = json["throughput"] as! [String: Any]
        #expect(throughput["acknowledgedMiBps"] as? Double == 0)
        let attempted = try #require(throughput["attemptedMiBps"] as? Double)
        #expect(attempted > 0)
        // The summary's rate column is the goodput, with the attempted rate beside it.
        let table = ResultWriter.summaryTable([result])
        #expect(table.contains("goodput MiB/s (attempted)"), "\(table)")
        #expect(table.contains("| 0.0 (\(String(format: "%.1f", attempted))) |"), "\(table)")
        #expect(ResultWriter.markdown(result).contains("goodput 0.0 MiB/s acknowledged"))
        // The gate's throughput metric is the goodput.
        let gated = GateMetrics.timed.filter { $0.unit == "MiB/s" }
        #expect(gated.map(\.name) == ["throughput.acknowledgedMiBps"])
        #expect(gated.first?.value(result) == 0)
    }
}
