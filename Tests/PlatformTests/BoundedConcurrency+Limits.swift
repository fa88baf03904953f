import Platform
import Synchronization
import Testing

/// Counts tasks in flight and the most seen at once.
private final class InFlight: Sendable {
    private let counts = Mutex((now: 0, peak: 0, started: 0))
    func enter() { counts.withLock { $0.now += 1; $0.started += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { counts.withLock { $0.now -= 1 } }
    var peak: Int { counts.withLock { $0.peak } }
    var started: Int { counts.withLock { $0.started } }
}

private struct Boom: Error, Equatable {}

@Suite("BoundedConcurrency: start N, add one as each finishes")
struct BoundedConcurrencyLimitTests {
    @Test("results come back in input order with never more than the limit in flight")
    func mapKeepsOrderWithinLimit() async throws {
        let inFlight = InFlight()
        let values = try await BoundedConcurrency.map(Array(0..<40), limit: 3) { (value) async throws(Boom) -> Int in
            inFlight.enter()
            defer { inFlight.leave() }
            await Task.yield()
            return value * 2
        }
        #expect(values == (0..<40).map { $0 * 2 })
        #expect(inFlight.peak <= 3)
        #expect(inFlight.started == 40)
    }

    @Test("the first failure is thrown and nothing new starts after it")
    func firstFailureStops() async {
        let inFlight = InFlight()
        await #expect(throws: Boom.self) {
            try await BoundedConcurrency.forEach(Array(0..<100), limit: 1) { (value) async throws(Boom) in
                inFlight.enter()
                defer { inFlight.leave() }
                if value == 5 { throw Boom() }
            }
        }
        #expect(inFlight.started == 6)
    }
}
