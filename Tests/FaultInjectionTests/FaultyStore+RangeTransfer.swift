import FaultInjection
import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing

/// The range transfers through the fault layer: every kind injected, the same trace as the
/// writer and reader paths, and the inner store's own range path when nothing hits.
@Suite("FaultyStore range transfers")
struct FaultyStoreRangeTransferTests {
    /// Which path a workload takes through the store.
    enum Path { case writerAndReader, range }

    /// A local file of `bytes` in a fresh directory, open for reading; removed by `body`'s end.
    static func withLocalFile<T>(_ bytes: [UInt8], _ body: (LocalFile, String) async throws -> T) async throws -> T {
        let directory = try LocalFiles.makeTemporaryDirectory(prefix: "faults-range")
        defer { try? LocalFiles.removeTree(directory) }
        let writer = try LocalFile.create(directory + "/source")
        try writer.write(bytes, at: 0)
        writer.close()
        let file = try LocalFile.openForReading(directory + "/source")
        defer { file.close() }
        return try await body(file, directory)
    }

    /// The determinism suite's rules but its `abort` rule: the range path opens a writer only
    /// for the faults that act through one (a latency or a clean upload needs none), so which
    /// attempts end in an abort, and the abort's records, differ from the writer path's.
    static let rules: String = {
        let lines = FaultyStoreDeterminismTests.rules.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { !$0.contains("\"op\": \"abort\"") }.joined(separator: "\n")
        var trimmed = kept.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasSuffix(",") { trimmed.removeLast() }
        return trimmed.hasSuffix("]") ? trimmed : trimmed + "]"
    }()

    /// Each key: an upload (a range of the source) with retries, then ranged reads with retries.
    static func run(_ path: Path, seed: UInt64, keys: Int = 80) async throws -> [FaultRecord] {
        let source = pattern(40_000, seed: 3)
        let store = FaultyStore(wrapping: MemoryStore(), plan: try plan(rules, seed: seed),
                                timeSource: ManualTimeSource(), crashHandler: CrashRecorder().handler)
        try await withLocalFile(source) { file, directory in
            let sink = try LocalFile.create(directory + "/sink")
            defer { sink.close() }
            for index in 0..<keys {
                let key = "\(index % 4)/file-\(index).\(index % 2 == 0 ? "parquet" : "puffin")"
                let range = UInt64(index * 10)..<UInt64(index * 10 + 6000 + index * 10)
                let options = WriteOptions(partSize: 8 << 20)
                for _ in 0..<4 {
                    do {
                        switch path {
                        case .writerAndReader: _ = try await store.uploadThroughWriter(from: file, range: range, key: key, options: options)
                        case .range: _ = try await store.upload(from: file, range: range, key: key, options: options)
                        }
                        break
                    } catch {
                        continue
                    }
                }
                for start in stride(from: UInt64(0), to: UInt64(range.count), by: 2500) {
                    let part = start..<min(start + 2500, UInt64(range.count))
                    for _ in 0..<3 {
                        do {
                            switch path {
                            case .writerAndReader: _ = try await store.read(key: key, range: part)
                            case .range: _ = try await store.read(key: key, range: part, into: sink, at: start)
                            }
                            break
                        } catch {
                            continue
                        }
                    }
                }
            }
        }
        return store.trace.records()
    }

    @Test("the same seed gives the same trace through the range path as through the writer and reader")
    func sameTraceEitherPath() async throws {
        let viaWriter = try await Self.run(.writerAndReader, seed: 11)
        let viaRange = try await Self.run(.range, seed: 11)
        let kinds = Set(viaRange.map(\.kind))
        #expect(viaRange.count > 50)
        for kind: FaultKind in [.latency, .error, .partial, .torn, .ackLost, .bandwidth] {
            #expect(kinds.contains(kind), "no \(kind) fault in the trace")
        }
        #expect(viaRange.contains { $0.operation == .read && $0.kind == .partial })
        // The first record where the paths differ, rather than both traces whole.
        let difference = zip(viaRange, viaWriter).first { $0 != $1 }
        #expect(difference == nil, "range path: \(String(describing: difference?.0)); writer path: \(String(describing: difference?.1))")
        #expect(viaRange.count == viaWriter.count)
    }

    @Test("a torn range upload keeps the prefix and reports the whole range and its checksum")
    func tornRangeUpload() async throws {
        let inner = MemoryStore()
        let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "torn", "afterBytes": 1000}]"#)
        let bytes = pattern(5000, seed: 9)
        try await Self.withLocalFile(bytes) { file, _ in
            let info = try await store.upload(from: file, range: 100..<4100, key: "t/a", options: WriteOptions())
            #expect(info.size == 4000)
            #expect(info.checksum == Checksum.sha256(of: Array(bytes[100..<4100])))
            #expect(try await inner.readAll(key: "t/a") == Array(bytes[100..<1100]))
        }
        #expect(store.trace.records().map(\.kind) == [.torn])
    }

    @Test("a partial range upload sends the prefix, fails, and leaves an incomplete upload until aborted")
    func partialRangeUpload() async throws {
        let inner = MemoryStore()
        let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "partial", "afterFraction": 0.5}]"#)
        try await Self.withLocalFile(pattern(4000)) { file, _ in
            let error = await storeError { try await store.upload(from: file, range: 0..<4000, key: "p/a", options: WriteOptions()) }
            #expect(error != nil)
            // The range path aborts what it started, as a caller of the writer would.
            let open = try await store.incompleteUploads(prefix: "p/")
            #expect(open.isEmpty)
            #expect(inner.openWriterCount == 0)
            #expect(await storeError { try await inner.stat(key: "p/a") }?.code == .notFound)
        }
        let records = store.trace.records()
        #expect(records.map(\.kind) == [.partial] && records.first?.bytesAffected == 2000)
    }

    @Test("latency acts before the transfer; an error after the range was sent (its bytes wasted, as on the writer path); ackLost after it committed")
    func beforeAndAfter() async throws {
        let inner = MemoryStore()
        let time = ManualTimeSource()
        let store = try faultyStore(over: inner, #"""
            [{"op": "write", "kind": "error", "error": "SlowDown", "path": "e/*"},
             {"op": "write", "kind": "ackLost", "path": "a/*"},
             {"op": "write", "kind": "latency", "distribution": "fixed", "value": "3s", "path": "l/*"},
             {"op": "read", "kind": "partial", "afterBytes": 100, "path": "a/*"},
             {"op": "read", "kind": "bandwidth", "bytesPerSecond": 1000, "path": "l/*"}]
            """#, time: time)
        try await Self.withLocalFile(pattern(3000)) { file, directory in
            let sink = try LocalFile.create(directory + "/sink")
            defer { sink.close() }
            // A store answers an error after the body: the attempt sent (and wasted) the whole range,
            // as the writer path's commit does; the gate's seeded byte counters depend on it.
            let progress = TransferProgress()
            var options = WriteOptions()
            options.progress = progress
            #expect(await storeError { try await store.upload(from: file, range: 0..<3000, key: "e/x", options: options) }?.code == .slowDown)
            #expect(progress.bytes == 3000)
            #expect(await storeError { try await inner.stat(key: "e/x") }?.code == .notFound)
            #expect(try await store.incompleteUploads(prefix: "e/").isEmpty, "the failed attempt's upload is aborted")
            #expect(await storeError { try await store.upload(from: file, range: 0..<3000, key: "a/x", options: WriteOptions()) } != nil)
            #expect(try await inner.stat(key: "a/x").size == 3000)
            let started = time.now()
            _ = try await store.upload(from: file, range: 0..<3000, key: "l/x", options: WriteOptions())
            #expect(time.now() - started >= .seconds(3))
            #expect(await storeError { try await store.read(key: "a/x", range: 0..<3000, into: sink, at: 0) } != nil)
            let before = time.now()
            #expect(try await store.read(key: "l/x", range: 0..<2000, into: sink, at: 0) == 2000)
            #expect(time.now() - before >= .seconds(2))
        }
        #expect(Set(store.trace.records().map(\.kind)) == [.error, .ackLost, .latency, .partial, .bandwidth])
    }

    /// A memory store that counts the range transfers that reach its own implementation.
    final class CountingStore: ObjectStore, @unchecked Sendable {
        let inner = MemoryStore()
        let rangeCalls = Mutex(0)
        var kind: String { "counting" }
        func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
            try await inner.makeWriter(key: key, options: options)
        }
        func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] { try await inner.read(key: key, range: range) }
        func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo { try await inner.stat(key: key) }
        func delete(key: String) async throws(ObjectStoreError) { try await inner.delete(key: key) }
        func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] { try await inner.list(prefix: prefix) }
        func upload(from file: LocalFile, range: Range<UInt64>, key: String, options: WriteOptions) async throws(ObjectStoreError) -> ObjectInfo {
            rangeCalls.withLock { $0 += 1 }
            return try await inner.uploadThroughWriter(from: file, range: range, key: key, options: options)
        }
        func read(key: String, range: Range<UInt64>, into file: LocalFile, at offset: UInt64) async throws(ObjectStoreError) -> UInt64 {
            rangeCalls.withLock { $0 += 1 }
            return try await inner.readThroughMemory(key: key, range: range, into: file, at: offset)
        }
    }

    @Test("with no fault hitting, range transfers reach the inner store's own range path", arguments: ["[]", #"[{"op": "write", "kind": "error", "error": "SlowDown", "path": "other/*"}, {"op": "read", "kind": "error", "error": "SlowDown", "path": "other/*"}]"#])
    func forwardsToInnerRangePath(plan: String) async throws {
        let inner = CountingStore()
        let store = try faultyStore(over: inner, plan)
        try await Self.withLocalFile(pattern(3000)) { file, directory in
            let sink = try LocalFile.create(directory + "/sink")
            defer { sink.close() }
            _ = try await store.upload(from: file, range: 0..<3000, key: "k/x", options: WriteOptions())
            #expect(try await store.read(key: "k/x", range: 0..<3000, into: sink, at: 0) == 3000)
        }
        #expect(inner.rangeCalls.withLock { $0 } == 2)
    }
}
