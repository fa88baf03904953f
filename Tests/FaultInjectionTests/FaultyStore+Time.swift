import FaultInjection
import ObjectStore
import Platform
import Testing

/// Time in the fault layer: hangs end with the caller's cancellation, virtual latency takes no
/// real time.
@Suite("FaultyStore time")
struct FaultyStoreTimeTests {
    @Test("a hang on real time ends as soon as the caller's task is cancelled")
    func hangHonoursCancellation() async throws {
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(#"[{"op": "*", "kind": "hang"}]"#),
                                timeSource: SystemTimeSource(), hangLimit: .seconds(600))
        let clock = ContinuousClock()
        let started = clock.now
        let task = Task { await storeError { try await store.stat(key: "a") } }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let error = await task.value
        #expect(error?.code == .cancelled)
        #expect(clock.now - started < .seconds(10))
        #expect(store.trace.records().map(\.kind) == [.hang])
    }

    @Test("a hang of a write in progress ends with cancellation and leaves the upload to abort")
    func hangingWriteHonoursCancellation() async throws {
        let inner = MemoryStore()
        let store = FaultyStore(wrapping: inner, plan: try plan(#"[{"op": "write", "kind": "hang", "max": "10m"}]"#),
                                timeSource: SystemTimeSource())
        let task = Task { await storeError { try await store.put(key: "a", bytes: pattern(100)) } }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(await task.value?.code == .cancelled)
        #expect(inner.openWriterCount == 0)
        #expect(await storeError { try await inner.stat(key: "a") }?.code == .notFound)
    }

    @Test("a hang never outlasts its limit on real time")
    func hangEndsAtLimit() async throws {
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(#"[{"op": "stat", "kind": "hang", "max": "50ms"}]"#),
                                timeSource: SystemTimeSource())
        let clock = ContinuousClock()
        let started = clock.now
        #expect(await storeError { try await store.stat(key: "a") }?.code == .timeout)
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(50) && elapsed < .seconds(10))
    }

    @Test("an hour of injected latency on virtual time takes no real time")
    func virtualLatencyDoesNotSleep() async throws {
        let time = ManualTimeSource()
        let inner = MemoryStore()
        try await inner.put(key: "a", bytes: pattern(10))
        let store = FaultyStore(wrapping: inner, plan: try plan(#"[{"op": "*", "kind": "latency", "value": "36s"}]"#), timeSource: time)
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<100 { _ = try await store.stat(key: "a") }
        #expect(time.now() == .seconds(3600))
        // A bound far below the hour slept, loose enough for a loaded CI machine.
        #expect(clock.now - started < .seconds(120))
        #expect(store.trace.count == 100)
    }

    @Test("latency on real time really delays the operation")
    func realLatencySleeps() async throws {
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(#"[{"op": "list", "kind": "latency", "value": "60ms"}]"#),
                                timeSource: SystemTimeSource())
        let clock = ContinuousClock()
        let started = clock.now
        _ = try await store.list(prefix: "")
        #expect(clock.now - started >= .milliseconds(60))
    }
}
