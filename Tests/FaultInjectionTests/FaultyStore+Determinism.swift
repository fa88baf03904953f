import FaultInjection
import Foundation
import ObjectStore
import Platform
import Testing

/// The same scenario and seed inject the same faults whatever the scheduling.
@Suite("FaultyStore determinism")
struct FaultyStoreDeterminismTests {
    /// Every kind but window-bound rules (a window depends on time, which concurrency reorders).
    static let rules = """
        [{"op": "*", "kind": "latency", "distribution": "normal", "mean": "20ms", "stddev": "5ms", "probability": 0.5},
         {"op": "read", "kind": "latency", "distribution": "pareto", "scale": "1ms", "shape": 1.2, "max": "1s"},
         {"op": "write", "kind": "error", "error": "SlowDown", "probability": 0.2},
         {"op": "write", "kind": "partial", "afterBytes": 3000, "probability": 0.2, "path": "*.parquet"},
         {"op": "write", "kind": "torn", "probability": 0.1},
         {"op": "write", "kind": "ackLost", "nth": [2], "probability": 0.5},
         {"op": "write", "kind": "bandwidth", "bytesPerSecond": "1MiB", "every": 2},
         {"op": "stat", "kind": "error", "error": "InternalError", "probability": 0.3, "maxCount": 1},
         {"op": "read", "kind": "partial", "afterFraction": 0.5, "probability": 0.15},
         {"op": "read", "kind": "bandwidth", "bytesPerSecond": "512KiB", "probability": 0.3},
         {"op": "delete", "kind": "error", "error": "InternalError", "probability": 0.3},
         {"op": "delete", "kind": "ackLost", "probability": 0.2},
         {"op": "list", "kind": "hang", "max": "5s", "probability": 0.1},
         {"op": "stat", "kind": "crash", "probability": 0.02},
         {"op": "read", "kind": "corrupt", "bytes": 2, "probability": 0.1},
         {"op": "abort", "kind": "error", "error": "InternalError", "probability": 0.3}]
        """

    /// One key's life: upload with retries, stat, ranged reads, list, delete with retries.
    static func workload(_ store: FaultyStore, index: Int) async {
        let key = "\(index % 4)/file-\(index).\(index % 2 == 0 ? "parquet" : "puffin")"
        let bytes = pattern(6000 + index * 10, seed: UInt8(truncatingIfNeeded: index))
        for _ in 0..<4 {
            let writer: any ObjectWriter
            do { writer = try await store.makeWriter(key: key, options: WriteOptions(expectedSize: UInt64(bytes.count))) } catch { continue }
            do {
                for start in stride(from: 0, to: bytes.count, by: 2000) {
                    try await writer.write(Array(bytes[start..<min(start + 2000, bytes.count)]))
                }
                _ = try await writer.close()
                break
            } catch {
                await writer.abort()
            }
        }
        for _ in 0..<3 where (try? await store.stat(key: key)) == nil {}
        for start in stride(from: UInt64(0), to: UInt64(bytes.count), by: 2500) {
            for _ in 0..<3 where (try? await store.read(key: key, range: start..<(start + 2500))) == nil {}
        }
        _ = try? await store.list(prefix: key)
        for _ in 0..<3 {
            do { try await store.delete(key: key); break } catch { continue }
        }
    }

    static func run(seed: UInt64, concurrency: Int, keys: Int = 120) async throws -> [FaultRecord] {
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(rules, seed: seed),
                                timeSource: ManualTimeSource(), crashHandler: CrashRecorder().handler)
        if concurrency == 1 {
            for index in 0..<keys { await workload(store, index: index) }
        } else {
            await withTaskGroup(of: Void.self) { group in
                var next = 0
                while next < min(concurrency, keys) {
                    let index = next
                    group.addTask { await workload(store, index: index) }
                    next += 1
                }
                while await group.next() != nil, next < keys {
                    let index = next
                    group.addTask { await workload(store, index: index) }
                    next += 1
                }
            }
        }
        return store.trace.records()
    }

    @Test("the same seed gives the identical trace at concurrency 1 and 16")
    func sameSeedSameTraceUnderConcurrency() async throws {
        let sequential = try await Self.run(seed: 7, concurrency: 1)
        let concurrent = try await Self.run(seed: 7, concurrency: 16)
        let again = try await Self.run(seed: 7, concurrency: 16)
        #expect(sequential.count > 100)
        #expect(Set(sequential.map(\.kind)) == Set(FaultKind.allCases.filter { !$0.isNetworkOnly }))
        #expect(sequential == concurrent)
        #expect(concurrent == again)
    }

    @Test("different seeds give different traces")
    func differentSeedsDifferentTraces() async throws {
        let first = try await Self.run(seed: 7, concurrency: 16, keys: 40)
        let second = try await Self.run(seed: 8, concurrency: 16, keys: 40)
        #expect(!first.isEmpty && !second.isEmpty)
        #expect(first != second)
    }

    @Test("the trace summary counts per kind and per rule and survives a JSON round trip")
    func summaryCountsAndEncodes() async throws {
        let records = try await Self.run(seed: 3, concurrency: 4, keys: 30)
        let summary = FaultTraceSummary(records: records, ruleCount: 14)
        #expect(summary.total == records.count)
        #expect(summary.byRule.count == 16 && summary.byRule.reduce(0, +) == records.count)
        #expect(summary.byKind.values.reduce(0, +) == records.count)
        #expect(summary.byKind["torn"] == records.filter { $0.kind == .torn }.count)
        let decoded = try JSONDecoder().decode(FaultTraceSummary.self, from: JSONEncoder().encode(summary))
        #expect(decoded == summary)
    }
}
