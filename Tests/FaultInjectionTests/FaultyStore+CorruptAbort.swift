import FaultInjection
import Foundation
import ObjectStore
import Platform
import Testing

/// The `corrupt` fault kind and faults on `abort` (issue 12): what lets the simulator catch a
/// skipped download checksum, a skipped upload verification and an ignored abort failure.
@Suite("FaultyStore corrupt and abort faults")
struct FaultyStoreCorruptAbortTests {
    @Test("corrupt flips bytes of a read silently, at the same positions for the same seed", arguments: BackingStore.allCases)
    func corruptReadFlipsBytes(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let bytes = pattern(5000)
            try await inner.put(key: "r1/a.parquet", bytes: bytes)
            let json = #"[{"op": "read", "kind": "corrupt", "bytes": 3}]"#
            let first = try await faultyStore(over: inner, json, seed: 7).read(key: "r1/a.parquet", range: 100..<4100)
            let again = try await faultyStore(over: inner, json, seed: 7).read(key: "r1/a.parquet", range: 100..<4100)
            #expect(first.count == 4000)
            let differing = zip(first, bytes[100..<4100]).count { $0 != $1 }
            #expect((1...3).contains(differing), "\(differing) bytes differ")
            #expect(first == again, "the seed decides the positions")
            let store = try faultyStore(over: inner, json, seed: 7)
            _ = try await store.read(key: "r1/a.parquet", range: 100..<4100)
            let record = try #require(store.trace.records().first)
            #expect(record.kind == .corrupt && record.operation == .read && record.bytesAffected == UInt64(differing))
        }
    }

    @Test("corrupt stores flipped bytes but acknowledges the bytes sent; a stat's checksum or a read shows it", arguments: BackingStore.allCases)
    func corruptWriteIsSilent(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "corrupt"}]"#)
            let bytes = pattern(10_000)
            let info = try await store.put(key: "r1/a.parquet", bytes: bytes)
            #expect(info.size == 10_000)
            if backing == .memory {
                #expect(info.checksum == Checksum.sha256(of: bytes), "the acknowledgement names the bytes sent")
                #expect(try await inner.stat(key: "r1/a.parquet").checksum != info.checksum, "the store's checksum shows the damage")
            }
            let stored = try await inner.readAll(key: "r1/a.parquet")
            #expect(stored.count == 10_000)
            #expect(zip(stored, bytes).count { $0 != $1 } == 1)
            #expect(store.trace.records().map(\.kind) == [.corrupt])
        }
    }

    @Test("an error on abort leaves the upload open, listed, and reported as the writer's abort failure", arguments: BackingStore.allCases)
    func abortErrorLeavesUploadOpen(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, """
                [{"op": "write", "kind": "partial", "afterBytes": 100},
                 {"op": "abort", "kind": "error", "error": "InternalError", "nth": [1]}]
                """)
            let writer = try await store.makeWriter(key: "r1/a.parquet", options: WriteOptions())
            #expect(await storeError { try await writer.write(pattern(2000)) }?.code == .connection)
            await writer.abort()
            let failure = try #require(writer.abortFailure)
            #expect(failure.code == .internalError && failure.operation == .abort)
            let open = try await store.incompleteUploads(prefix: "r1/")
            #expect(open.map(\.key) == ["r1/a.parquet"])
            // The trace orders records by key, operation and attempt, not by time.
            #expect(Set(store.trace.records().map { "\($0.operation.rawValue) \($0.kind.rawValue)" }) == ["write partial", "abort error"])
            // The second abort (the rule hits only the first) gets through.
            try await store.abortIncompleteUpload(try #require(open.first))
            #expect(try await store.incompleteUploads(prefix: "").isEmpty)
            #expect(try await openUploads(of: inner) == 0)
        }
    }

    @Test("\"*\" never selects abort: rules written before it existed hit what they always hit")
    func starDoesNotSelectAbort() async throws {
        let store = try faultyStore(over: MemoryStore(), #"[{"op": "*", "kind": "error", "error": "InternalError", "path": "r1/never"}]"#)
        let writer = try await store.makeWriter(key: "r1/a", options: WriteOptions())
        try await writer.write(pattern(10))
        await writer.abort()
        #expect(writer.abortFailure == nil)
        #expect(FaultRule.OperationSelector.any.matches(.abort) == false)
        #expect(FaultRule.OperationSelector.abort.matches(.abort))
    }

    @Test("corrupt and abort rules decode, validate and encode back")
    func corruptAndAbortDecode() throws {
        let decoded = try rules(#"[{"op": "read", "kind": "corrupt", "bytes": 2}, {"op": "abort", "kind": "error", "error": "SlowDown"}, {"op": "write", "kind": "corrupt"}]"#)
        #expect(decoded[0].fault == .corrupt(bytes: 2))
        #expect(decoded[1].operation == .abort)
        #expect(decoded[2].fault == .corrupt(bytes: 1))
        let encoded = try JSONEncoder().encode(decoded)
        #expect(try JSONDecoder().decode([FaultRule].self, from: encoded) == decoded)
        for (json, field) in [(#"[{"op": "stat", "kind": "corrupt"}]"#, "kind"), (#"[{"op": "read", "kind": "corrupt", "bytes": 0}]"#, "bytes"),
                              (#"[{"op": "abort", "kind": "torn"}]"#, "kind"), (#"[{"op": "read", "kind": "corrupt", "afterBytes": 3}]"#, "afterBytes")] {
            do {
                _ = try rules(json)
                Issue.record("\(json) decoded")
            } catch let error as DecodingError {
                #expect(DecodingErrorText.describe(error).contains(field), "\(DecodingErrorText.describe(error))")
            }
        }
    }
}
