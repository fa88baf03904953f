import FaultInjection
import ObjectStore
import Platform
import Testing

/// Each fault kind on each operation it applies to, in front of a memory and a file-system store.
@Suite("FaultyStore kinds")
struct FaultyStoreKindTests {
    /// Runs every operation once against `store` on `key` (which must hold an object).
    static func runEach(_ operation: ObjectStoreError.Operation, on store: FaultyStore, key: String) async -> ObjectStoreError? {
        switch operation {
        case .write: await storeError { try await store.put(key: key, bytes: pattern(4096)) }
        case .read: await storeError { try await store.read(key: key, range: 0..<100) }
        case .stat: await storeError { try await store.stat(key: key) }
        case .delete: await storeError { try await store.delete(key: key) }
        case .list: await storeError { try await store.list(prefix: "r1/") }
        case .abort:
            await storeError { () async throws in
                let writer = try await store.makeWriter(key: key + ".new", options: WriteOptions())
                try await writer.write(pattern(100))
                await writer.abort()
                if let failure = writer.abortFailure { throw failure }
            }
        }
    }

    /// The operations `"*"` selects (every one but `abort`, which only a rule naming it hits,
    /// and which FaultyStore+Abort.swift tests).
    static let starOperations = ObjectStoreError.Operation.allCases.filter { $0 != .abort }

    @Test("latency delays every operation by the rule's amount of virtual time", arguments: BackingStore.allCases, FaultyStoreKindTests.starOperations)
    func latencyDelaysEveryOperation(backing: BackingStore, operation: ObjectStoreError.Operation) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(1000))
            let time = ManualTimeSource()
            let store = try faultyStore(over: inner, #"[{"op": "\#(operation.rawValue)", "kind": "latency", "value": "750ms"}]"#, time: time)
            let error = await Self.runEach(operation, on: store, key: "r1/a.parquet")
            #expect(error == nil)
            #expect(time.now() == .milliseconds(750))
            let records = store.trace.records()
            #expect(records.count == 1)
            #expect(records.first?.kind == .latency && records.first?.operation == operation && records.first?.delaySeconds == 0.75)
        }
    }

    @Test("error fails every operation with the named S3 error and performs nothing", arguments: BackingStore.allCases, FaultyStoreKindTests.starOperations)
    func errorFailsEveryOperation(backing: BackingStore, operation: ObjectStoreError.Operation) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(1000))
            let store = try faultyStore(over: inner, #"[{"op": "\#(operation.rawValue)", "kind": "error", "error": "SlowDown"}]"#)
            let error = try #require(await Self.runEach(operation, on: store, key: "r1/a.parquet"))
            #expect(error.code == .slowDown)
            #expect(error.isTransient)
            #expect(error.retryAfter == .seconds(1))
            #expect(error.httpStatus == 503)
            #expect(error.operation == operation)
            #expect(error.message.contains("r1/") && error.message.contains("rule 0"))
            // The operation did not happen: the object is still the original one, no upload is left open.
            #expect(try await inner.readAll(key: "r1/a.parquet") == pattern(1000))
            #expect(try await openUploads(of: inner) == 0)
            #expect(store.trace.records().map(\.kind) == [.error])
        }
    }

    @Test("a permanent error is not transient and has no Retry-After", arguments: BackingStore.allCases)
    func permanentErrorIsNotTransient(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "stat", "kind": "error", "error": "AccessDenied"}]"#)
            let error = try #require(await storeError { try await store.stat(key: "r1/x") })
            #expect(error.code == .accessDenied && !error.isTransient && error.retryAfter == nil && error.httpStatus == 403)
        }
    }

    @Test("a write error surfaces at close, leaves nothing visible, and the upload stays open until the caller aborts", arguments: BackingStore.allCases)
    func writeErrorLeavesUploadToAbort(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "error", "error": "InternalError"}]"#)
            let writer = try await store.makeWriter(key: "r1/a.parquet", options: WriteOptions())
            try await writer.write(pattern(2000))
            let error = await storeError { try await writer.close() }
            #expect(error?.code == .internalError && error?.isTransient == true)
            #expect(try await openUploads(of: inner) == 1)
            #expect(try await store.incompleteUploads(prefix: "r1/").map(\.key) == ["r1/a.parquet"])
            await writer.abort()
            #expect(try await openUploads(of: inner) == 0)
            #expect(try await store.incompleteUploads(prefix: "").isEmpty)
            #expect(await storeError { try await inner.stat(key: "r1/a.parquet") }?.code == .notFound)
        }
    }

    @Test("partial cuts a write after N bytes: the store got the prefix, the failure surfaces, nothing is visible", arguments: BackingStore.allCases)
    func partialWriteCutsAfterBytes(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "partial", "afterBytes": 1500}]"#)
            let writer = try await store.makeWriter(key: "r1/a.parquet", options: WriteOptions())
            try await writer.write(pattern(1000))
            let cut = try #require(await storeError { try await writer.write(pattern(1000)) })
            #expect(cut.code == .connection && cut.isTransient)
            // Every later call repeats the failure; nothing can be committed.
            #expect(await storeError { try await writer.write(pattern(10)) }?.code == .connection)
            #expect(await storeError { try await writer.close() }?.code == .connection)
            if let fs = inner as? FileSystemStore {
                let names = try await temporaryFiles(of: fs)
                #expect(names.count == 1)
                let path = fs.temporaryDirectory + "/" + names[0]
                #expect(try await BlockingIO.run { try LocalFiles.status(path) }?.size == 1500)
            }
            #expect(try await openUploads(of: inner) == 1)
            await writer.abort()
            #expect(try await openUploads(of: inner) == 0)
            #expect(await storeError { try await inner.stat(key: "r1/a.parquet") }?.code == .notFound)
            let records = store.trace.records()
            #expect(records.count == 1)
            #expect(records.first?.kind == .partial && records.first?.bytesAffected == 1500)
        }
    }

    @Test("an upload left open by a partial cut is listed as incomplete until the store aborts it", arguments: BackingStore.allCases)
    func partialUploadIsIncompleteUntilAborted(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "partial", "afterBytes": 10}]"#)
            let writer = try await store.makeWriter(key: "r1/a", options: WriteOptions())
            #expect(await storeError { try await writer.write(pattern(100)) }?.code == .connection)
            let incomplete = try await store.incompleteUploads(prefix: "r1/")
            #expect(incomplete.map(\.key) == ["r1/a"])
            #expect(try await store.incompleteUploads(prefix: "r2/").isEmpty)
            try await store.abortIncompleteUpload(try #require(incomplete.first))
            #expect(try await store.incompleteUploads(prefix: "").isEmpty)
            #expect(try await openUploads(of: inner) == 0)
            await writer.abort()
            #expect(try await openUploads(of: inner) == 0)
        }
    }

    @Test("partial by fraction cuts at the expected size's fraction, or at close when the size is unknown", arguments: BackingStore.allCases)
    func partialWriteByFraction(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "partial", "afterFraction": 0.5, "error": "RequestTimeout"}]"#)
            let known = try await store.makeWriter(key: "r1/known", options: WriteOptions(expectedSize: 4000))
            try await known.write(pattern(1000))
            #expect(await storeError { try await known.write(pattern(2000)) }?.code == .requestTimeout)
            await known.abort()

            let unknown = try await store.makeWriter(key: "r1/unknown", options: WriteOptions())
            try await unknown.write(pattern(1000))
            try await unknown.write(pattern(3000))
            #expect(await storeError { try await unknown.close() }?.code == .requestTimeout)
            await unknown.abort()

            #expect(try await inner.list(prefix: "r1/").isEmpty)
            #expect(store.trace.records().map(\.bytesAffected) == [2000, 2000])
        }
    }

    @Test("partial cuts a read mid-stream: the read fails", arguments: BackingStore.allCases)
    func partialReadFails(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(1000))
            let store = try faultyStore(over: inner, #"[{"op": "read", "kind": "partial", "afterFraction": 0.25}]"#)
            let error = await storeError { try await store.read(key: "r1/a.parquet", range: 0..<1000) }
            #expect(error?.code == .connection && error?.isTransient == true)
            let record = try #require(store.trace.records().first)
            #expect(record.kind == .partial && record.operation == .read && record.bytesAffected == 250 && record.offset == 0)
        }
    }

    @Test("torn acknowledges the whole object but keeps a prefix; stat and read show it", arguments: BackingStore.allCases)
    func tornWriteKeepsPrefix(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "torn", "afterFraction": 0.25}]"#)
            let bytes = pattern(10_000)
            let info = try await store.put(key: "r1/a.parquet", bytes: bytes)
            #expect(info.size == 10_000)
            if backing == .memory { #expect(info.checksum == Checksum.sha256(of: bytes)) }
            let stored = try await inner.stat(key: "r1/a.parquet")
            #expect(stored.size == 2500)
            #expect(try await inner.readAll(key: "r1/a.parquet") == Array(bytes[..<2500]))
            let record = try #require(store.trace.records().first)
            #expect(record.kind == .torn && record.bytesAffected == 7500)
        }
    }

    @Test("torn without a cut keeps half, also when the size is not known in advance", arguments: BackingStore.allCases)
    func tornDefaultsToHalf(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "torn"}]"#)
            let writer = try await store.makeWriter(key: "r1/a", options: WriteOptions())
            try await writer.write(pattern(3000))
            try await writer.write(pattern(1000))
            #expect(try await writer.close().size == 4000)
            #expect(try await inner.stat(key: "r1/a").size == 2000)
        }
    }

    @Test("ackLost commits the write, then reports a transient failure", arguments: BackingStore.allCases)
    func ackLostWriteCommits(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let store = try faultyStore(over: inner, #"[{"op": "write", "kind": "ackLost"}]"#)
            let error = await storeError { try await store.put(key: "r1/a.parquet", bytes: pattern(5000)) }
            #expect(error?.code == .connection && error?.isTransient == true)
            #expect(try await inner.readAll(key: "r1/a.parquet") == pattern(5000))
            #expect(try await openUploads(of: inner) == 0)
            #expect(store.trace.records().first?.bytesAffected == 5000)
        }
    }

    @Test("ackLost deletes the object, then reports a failure", arguments: BackingStore.allCases)
    func ackLostDeleteDeletes(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(100))
            let store = try faultyStore(over: inner, #"[{"op": "delete", "kind": "ackLost", "error": "InternalError"}]"#)
            #expect(await storeError { try await store.delete(key: "r1/a.parquet") }?.code == .internalError)
            #expect(await storeError { try await inner.stat(key: "r1/a.parquet") }?.code == .notFound)
        }
    }

    @Test("a failed delete leaves the object in place", arguments: BackingStore.allCases)
    func failedDeleteKeepsObject(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(100))
            let store = try faultyStore(over: inner, #"[{"op": "delete", "kind": "error", "error": "InternalError"}]"#)
            #expect(await storeError { try await store.delete(key: "r1/a.parquet") }?.code == .internalError)
            #expect(try await inner.stat(key: "r1/a.parquet").size == 100)
        }
    }

    @Test("bandwidth paces writes and reads on the time source", arguments: BackingStore.allCases)
    func bandwidthPacesTransfers(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let time = ManualTimeSource()
            let store = try faultyStore(over: inner, #"[{"op": "*", "kind": "bandwidth", "bytesPerSecond": "1MiB"}]"#, time: time)
            let writer = try await store.makeWriter(key: "r1/a", options: WriteOptions())
            for _ in 0..<4 { try await writer.write(pattern(1 << 20)) }
            _ = try await writer.close()
            #expect(time.now() == .seconds(4))
            let bytes = try await store.read(key: "r1/a", range: 0..<(2 << 20))
            #expect(bytes.count == 2 << 20)
            #expect(time.now() == .seconds(6))
            let records = store.trace.records()
            #expect(records.map(\.kind) == [.bandwidth, .bandwidth])
            #expect(Set(records.map(\.bytesAffected)) == [4 << 20, 2 << 20])
        }
    }

    @Test("hang lasts until the limit on virtual time, then times out", arguments: BackingStore.allCases, FaultyStoreKindTests.starOperations)
    func hangTimesOutAtLimit(backing: BackingStore, operation: ObjectStoreError.Operation) async throws {
        try await withBackingStore(backing) { inner in
            try await inner.put(key: "r1/a.parquet", bytes: pattern(1000))
            let time = ManualTimeSource()
            let store = try faultyStore(over: inner, #"[{"op": "\#(operation.rawValue)", "kind": "hang", "max": "2m"}]"#, time: time)
            let error = await Self.runEach(operation, on: store, key: "r1/a.parquet")
            #expect(error?.code == .timeout && error?.isTransient == true)
            #expect(time.now() == .seconds(120))
            #expect(try await openUploads(of: inner) == 0)
        }
    }

    @Test("crash calls the crash handler and the operation does not happen", arguments: BackingStore.allCases, FaultyStoreKindTests.starOperations)
    func crashCallsHandler(backing: BackingStore, operation: ObjectStoreError.Operation) async throws {
        try await withBackingStore(backing) { inner in
            let crashes = CrashRecorder()
            let store = try faultyStore(over: inner, #"[{"op": "\#(operation.rawValue)", "kind": "crash", "path": "r1/*"}]"#, crashes: crashes)
            try await inner.put(key: "r1/b.parquet", bytes: pattern(1000))
            let error = await Self.runEach(operation, on: store, key: operation == .write ? "r1/b.new" : "r1/b.parquet")
            #expect(error?.code == .injectedCrash && error?.isTransient == false)
            #expect(crashes.records.count == 1 && crashes.records.first?.operation == operation)
            #expect(store.trace.records().map(\.kind) == [.crash])
            #expect(await storeError { try await inner.stat(key: "r1/b.new") }?.code == .notFound)
            #expect(try await inner.stat(key: "r1/b.parquet").size == 1000)
        }
    }

    @Test("latency and an outcome stack; only the first outcome rule acts", arguments: BackingStore.allCases)
    func latencyStacksWithFirstOutcome(backing: BackingStore) async throws {
        try await withBackingStore(backing) { inner in
            let time = ManualTimeSource()
            let store = try faultyStore(over: inner, """
                [{"op": "*", "kind": "latency", "value": "1s"},
                 {"op": "stat", "kind": "error", "error": "InternalError"},
                 {"op": "stat", "kind": "error", "error": "AccessDenied"},
                 {"op": "stat", "kind": "latency", "value": "2s"}]
                """, time: time)
            #expect(await storeError { try await store.stat(key: "r1/a") }?.code == .internalError)
            #expect(time.now() == .seconds(3))
            #expect(store.trace.records().map(\.rule) == [0, 1, 3])
        }
    }
}
