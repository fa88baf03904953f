import FaultInjection
import ObjectStore
import Platform
import Testing

/// Each selector of a rule, on the plan's pure decision function and through a store.
@Suite("FaultPlan selectors")
struct FaultPlanSelectorTests {
    static func hits(_ plan: FaultPlan, _ operation: ObjectStoreError.Operation = .stat, key: String = "k", attempt: Int = 1,
                     elapsed: Duration = .zero, priorHits: [Int: Int] = [:]) -> Bool {
        !plan.decide(FaultPlan.Attempt(operation: operation, key: key, attempt: attempt, elapsed: elapsed, priorHits: priorHits)).isEmpty
    }

    @Test("probability 0 never hits, 1 always hits, 0.3 hits about 30% of keys")
    func probabilitySelectsAShareOfKeys() throws {
        let never = try plan(#"[{"op": "stat", "kind": "error", "error": "InternalError", "probability": 0}]"#)
        let always = try plan(#"[{"op": "stat", "kind": "error", "error": "InternalError", "probability": 1}]"#)
        let some = try plan(#"[{"op": "stat", "kind": "error", "error": "InternalError", "probability": 0.3}]"#)
        let keys = (0..<10_000).map { "region/\($0).parquet" }
        #expect(!keys.contains { Self.hits(never, key: $0) })
        #expect(keys.allSatisfy { Self.hits(always, key: $0) })
        let share = Double(keys.filter { Self.hits(some, key: $0) }.count) / Double(keys.count)
        #expect(abs(share - 0.3) < 0.02)
        // A decision is a function of its inputs: asking again gives the same answer.
        #expect(keys.map { Self.hits(some, key: $0) } == keys.map { Self.hits(some, key: $0) })
    }

    @Test("attempts of one key are drawn independently, so a retry can succeed")
    func attemptsAreIndependentDraws() throws {
        let some = try plan(#"[{"op": "write", "kind": "error", "error": "SlowDown", "probability": 0.5}]"#)
        let firstTwo = (0..<2000).map { (Self.hits(some, .write, key: "k\($0)", attempt: 1), Self.hits(some, .write, key: "k\($0)", attempt: 2)) }
        let both = Double(firstTwo.filter { $0.0 && $0.1 }.count) / 2000
        #expect(abs(both - 0.25) < 0.04)
    }

    @Test("nth hits exactly the listed attempts")
    func nthHitsListedAttempts() throws {
        let nth = try plan(#"[{"op": "delete", "kind": "error", "error": "InternalError", "nth": [2, 4]}]"#)
        #expect((1...6).map { Self.hits(nth, .delete, attempt: $0) } == [false, true, false, true, false, false])
        let single = try plan(#"[{"op": "delete", "kind": "error", "error": "InternalError", "nth": 3}]"#)
        #expect((1...4).map { Self.hits(single, .delete, attempt: $0) } == [false, false, true, false])
    }

    @Test("every hits every n-th attempt")
    func everyHitsEveryNthAttempt() throws {
        let every = try plan(#"[{"op": "read", "kind": "latency", "value": "1ms", "every": 3}]"#)
        #expect((1...7).map { Self.hits(every, .read, attempt: $0) } == [false, false, true, false, false, true, false])
    }

    @Test("window limits a rule to seconds into the run, start included, end excluded")
    func windowLimitsToSpan() throws {
        let windowed = try plan(#"[{"op": "list", "kind": "error", "error": "SlowDown", "window": [10, 20]}]"#)
        #expect(!Self.hits(windowed, .list, elapsed: .seconds(9.5)))
        #expect(Self.hits(windowed, .list, elapsed: .seconds(10)))
        #expect(Self.hits(windowed, .list, elapsed: .seconds(19.9)))
        #expect(!Self.hits(windowed, .list, elapsed: .seconds(20)))
    }

    @Test("window counts from the run's start on the store's time source")
    func windowUsesStoreTime() async throws {
        let time = ManualTimeSource(start: .seconds(100))
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(#"[{"op": "list", "kind": "error", "error": "SlowDown", "window": [10, 20]}]"#),
                                timeSource: time)
        #expect(await storeError { try await store.list(prefix: "") } == nil)
        time.advance(by: .seconds(15))
        #expect(await storeError { try await store.list(prefix: "") }?.code == .slowDown)
        time.advance(by: .seconds(10))
        #expect(await storeError { try await store.list(prefix: "") } == nil)
    }

    @Test("path globs select keys: * spans slashes, ? is one character")
    func pathGlobSelectsKeys() throws {
        let parquet = try plan(#"[{"op": "*", "kind": "error", "error": "InternalError", "path": "*.parquet"}]"#)
        #expect(Self.hits(parquet, key: "4294967297/4b1f.parquet"))
        #expect(!Self.hits(parquet, key: "4294967297/4b1f.puffin"))
        #expect(!Self.hits(parquet, key: "4294967297/4b1f.parquet.tmp"))
        let glob = PathGlob("r?/a*b")
        #expect(glob.matches("r1/ab") && glob.matches("r2/a/x/b") && !glob.matches("r12/ab") && !glob.matches("r1/abc"))
        #expect(PathGlob("*").matches("") && PathGlob("a**").matches("abc") && !PathGlob("").matches("a"))
    }

    @Test("maxCount caps a rule's hits per operation and key")
    func maxCountCapsHitsPerKey() async throws {
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(#"[{"op": "stat", "kind": "error", "error": "InternalError", "maxCount": 2}]"#),
                                timeSource: ManualTimeSource())
        let outcomes = await (0..<4).asyncMap { _ in await storeError { try await store.stat(key: "a") }?.code }
        #expect(outcomes == [.internalError, .internalError, .notFound, .notFound])
        #expect(await storeError { try await store.stat(key: "b") }?.code == .internalError)
        #expect(store.attemptCount(.stat, key: "a") == 4)
    }

    @Test("ranges of one object are separate attempt streams")
    func readRangesCountSeparately() async throws {
        let inner = MemoryStore()
        try await inner.put(key: "a", bytes: pattern(300))
        let store = FaultyStore(wrapping: inner, plan: try plan(#"[{"op": "read", "kind": "error", "error": "InternalError", "nth": [1]}]"#),
                                timeSource: ManualTimeSource())
        for start in [UInt64(0), 100, 200] {
            #expect(await storeError { try await store.read(key: "a", range: start..<(start + 100)) }?.code == .internalError)
            #expect(try await store.read(key: "a", range: start..<(start + 100)).count == 100)
        }
        #expect(store.trace.records().map(\.offset) == [0, 100, 200])
    }

    @Test("a plan without rules for an operation passes it through without counting")
    func unaffectedOperationsPassThrough() async throws {
        let inner = MemoryStore()
        let store = FaultyStore(wrapping: inner, plan: try plan(#"[{"op": "delete", "kind": "error", "error": "InternalError"}]"#),
                                timeSource: ManualTimeSource())
        let writer = try await store.makeWriter(key: "a", options: WriteOptions())
        #expect(type(of: writer) == type(of: try await inner.makeWriter(key: "b", options: WriteOptions())))
        #expect(store.attemptCount(.write, key: "a") == 0)
        #expect(!FaultPlan.empty.affects(.write))
    }

    @Test("network-layer rules are left to the proxy")
    func networkRulesAreIgnored() throws {
        let network = try plan(#"[{"op": "*", "kind": "error", "error": "InternalError", "layer": "network"}]"#)
        #expect(!network.affects(.stat) && !Self.hits(network))
    }

    @Test("latency samples follow their distribution and respect the cap")
    func latencySamplesFollowDistributions() {
        let grid = (0..<1000).map { (Double($0) + 0.5) / 1000 }
        func samples(_ distribution: LatencyDistribution) -> [Double] {
            grid.enumerated().map { distribution.sample($1, grid[($0 * 7919) % grid.count]).secondsDoubleForTest }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        #expect(Set(samples(LatencyDistribution(.fixed(value: .milliseconds(5))))) == [0.005])
        let uniform = samples(LatencyDistribution(.uniform(min: .milliseconds(10), max: .milliseconds(20))))
        #expect(uniform.allSatisfy { (0.010...0.020).contains($0) } && abs(mean(uniform) - 0.015) < 0.0005)
        let normal = samples(LatencyDistribution(.normal(mean: .milliseconds(100), stddev: .milliseconds(10))))
        #expect(abs(mean(normal) - 0.1) < 0.002 && normal.allSatisfy { $0 >= 0 })
        let exponential = samples(LatencyDistribution(.exponential(mean: .milliseconds(50))))
        #expect(abs(mean(exponential) - 0.05) < 0.003)
        let pareto = samples(LatencyDistribution(.pareto(scale: .milliseconds(2), shape: 1.5), cap: .milliseconds(50)))
        #expect(pareto.allSatisfy { (0.002...0.050).contains($0) } && pareto.contains(0.05))
        let capped = samples(LatencyDistribution(.normal(mean: .seconds(1), stddev: .milliseconds(500)), cap: .seconds(1)))
        #expect(capped.max() == 1 && capped.allSatisfy { $0 <= 1 })
    }

    @Test("a latency sample is a function of seed, rule, operation, key and attempt")
    func latencySampleIsDeterministic() throws {
        let rule = #"[{"op": "*", "kind": "latency", "distribution": "exponential", "mean": "10ms"}]"#
        func delay(_ plan: FaultPlan, key: String, attempt: Int = 1) -> Duration? {
            plan.decide(FaultPlan.Attempt(operation: .read, key: key, attempt: attempt)).latencies.first?.delay
        }
        let a = try plan(rule, seed: 1), b = try plan(rule, seed: 1), c = try plan(rule, seed: 2)
        let keys = (0..<50).map { "k\($0)" }
        #expect(keys.map { delay(a, key: $0) } == keys.map { delay(b, key: $0) })
        #expect(keys.map { delay(a, key: $0) } != keys.map { delay(c, key: $0) })
        #expect(keys.map { delay(a, key: $0) } != keys.map { delay(a, key: $0, attempt: 2) })
    }
}

extension Duration {
    var secondsDoubleForTest: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
