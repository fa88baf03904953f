import Foundation
import Testing
@testable import Simulation

@Test func theSameSeedGeneratesTheSameHistory() {
    let configuration = SimulationConfiguration(operations: 300)
    let first = History.generate(seed: 42, configuration: configuration)
    let second = History.generate(seed: 42, configuration: configuration)
    #expect(first == second)
    #expect(first.steps.count == 300)
    #expect(first != History.generate(seed: 43, configuration: configuration))
}

@Test func aHistoryFileReadsBackEqual() throws {
    let history = History.generate(seed: 7, configuration: SimulationConfiguration(operations: 100))
    let path = NSTemporaryDirectory() + "flushbench-history-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try history.write(to: path)
    #expect(try History.load(path: path) == history)
}
