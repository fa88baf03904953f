import Foundation
import Harness
import Testing

@Suite("The runner reports its own peak RSS beside jemalloc's figures")
struct RunResultProcessRSSTests {
    @Test("a run's memory holds the process's peak RSS, in the JSON too")
    func processPeakIsReported() async throws {
        let result = try await ScenarioRunner.run(try scenarios(smallScenario(name: "rss"))[0])
        let processPeak = try #require(result.memory.processPeakRssBytes)
        #expect(processPeak > 1 << 20)
        let json = try JSONSerialization.jsonObject(with: ResultWriter.encoder().encode(result)) as! [String: Any]
        let memory = json["memory"] as! [String: Any]
        #expect((memory["processPeakRssBytes"] as? NSNumber)?.uint64Value == processPeak)
    }
}
