import FaultInjection
import Foundation
import ObjectStore
import Platform
import SSTFormat
import Testing
import WriteCache

/// The write cache keeps its promises under every fault: nothing acknowledged is lost or
/// corrupt, nothing leaks unless recorded as a known orphan, torn and ack-lost uploads are
/// detected rather than acknowledged as good.
@Suite("WriteCache under faults")
struct WriteCacheFaultTests {
    /// Writes given bytes as an SST's data and index files.
    struct FixedProducer: SSTProducer {
        var data: [UInt8]
        var index: [UInt8]

        func produce(data sink: any ByteSink, index indexSink: any ByteSink) async throws -> SSTSummary {
            var offset = 0
            while offset < data.count {
                let end = min(offset + 40_000, data.count)
                try await sink.write(Array(data[offset..<end]))
                offset = end
            }
            if !index.isEmpty { try await indexSink.write(index) }
            return SSTSummary(rows: UInt64(data.count / 8))
        }
    }

    /// One flush of a workload and what became of it.
    struct FlushRun {
        var region: UInt64
        var fileID: UUID
        var data: [UInt8]
        var index: [UInt8]
        var outcome: Result<FlushOutcome, WriteCacheError>?

        func bytes(of type: FileType) -> [UInt8] { type == .parquet ? data : index }
    }

    /// A write cache over a fault store over `backing`, on virtual time.
    struct Rig {
        let directory: String
        let inner: any ObjectStore
        let faulty: FaultyStore
        let cache: WriteCache
        let time: ManualTimeSource

        static func make(_ rules: String, seed: UInt64 = 11, over inner: any ObjectStore,
                         retry: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(200)))
        async throws -> Rig {
            let directory = try LocalFiles.makeTemporaryDirectory(prefix: "faults-cache-test")
            let time = ManualTimeSource()
            let faulty = FaultyStore(wrapping: inner, plan: try plan(rules, seed: seed), timeSource: time,
                                     hangLimit: .seconds(30), crashHandler: CrashRecorder().handler)
            let fileCache = try await FileCache.open(FileCacheConfiguration(directory: directory + "/cache", capacity: 1 << 30, timeSource: time))
            let cache = WriteCache(fileCache: fileCache, store: faulty,
                                   configuration: WriteCacheConfiguration(partSize: 64 << 10, uploadConcurrency: 4, downloadChunkSize: 64 << 10,
                                                                          downloadConcurrency: 4, retry: retry, remotePrefix: "sst/"),
                                   timeSource: time)
            return Rig(directory: directory, inner: inner, faulty: faulty, cache: cache, time: time)
        }

        func close() async throws {
            cache.fileCache.close()
            let directory = self.directory
            try await BlockingIO.run { try LocalFiles.removeTree(directory) }
        }

        /// Flushes `count` SSTs, `concurrency` at a time; file ids derive from the index so keys
        /// (and so fault decisions) are the same in every run.
        func flush(count: Int, concurrency: Int = 4, dataSize: Int = 150_000) async -> [FlushRun] {
            let runs = (0..<count).map { index in
                FlushRun(region: UInt64(index % 3), fileID: Self.fileID(index),
                         data: pattern(dataSize + index * 997, seed: UInt8(truncatingIfNeeded: index)),
                         index: pattern(3000 + index * 13, seed: UInt8(truncatingIfNeeded: index + 100)))
            }
            return await withTaskGroup(of: (Int, Result<FlushOutcome, WriteCacheError>).self) { group in
                var next = 0
                func start() {
                    let index = next
                    let run = runs[index]
                    next += 1
                    group.addTask {
                        let flush = Flush(region: run.region, fileID: run.fileID, producer: FixedProducer(data: run.data, index: run.index))
                        do throws(WriteCacheError) {
                            return (index, .success(try await cache.writeAndUpload(flush)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                while next < min(concurrency, count) { start() }
                var finished = runs
                while let (index, outcome) = await group.next() {
                    finished[index].outcome = outcome
                    if next < count { start() }
                }
                return finished
            }
        }

        static func fileID(_ index: Int) -> UUID {
            UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!
        }

        /// Checks the cache's promises after `runs`.
        func expectPromisesKept(_ runs: [FlushRun], sourceLocation: SourceLocation = #_sourceLocation) async throws {
            var acknowledged: [String: [UInt8]] = [:]
            for run in runs {
                switch run.outcome {
                case .success(let outcome)?:
                    for file in outcome.files {
                        acknowledged[file.remoteKey] = run.bytes(of: file.key.type)
                        #expect(file.size == UInt64(run.bytes(of: file.key.type).count), sourceLocation: sourceLocation)
                    }
                case .failure?:
                    for type in FileType.allCases {
                        #expect(!cache.fileCache.contains(FileKey(region: run.region, fileID: run.fileID, type: type)),
                                "a failed flush left a cached file", sourceLocation: sourceLocation)
                    }
                case nil:
                    Issue.record("a flush did not finish", sourceLocation: sourceLocation)
                }
            }
            // Nothing acknowledged is lost or corrupt.
            for (key, bytes) in acknowledged {
                let stored = try await inner.readAll(key: key)
                #expect(stored == bytes, "acknowledged object \(key) differs on the remote", sourceLocation: sourceLocation)
            }
            // Nothing leaks unless recorded as a known orphan: objects, and uploads left open.
            let orphans = cache.orphans.keys
            for object in try await inner.list(prefix: "") where acknowledged[object.key] == nil {
                #expect(orphans.contains(object.key), "unknown orphan \(object.key)", sourceLocation: sourceLocation)
            }
            for upload in try await faulty.incompleteUploads(prefix: "") {
                #expect(orphans.contains(upload.key), "upload of \(upload.key) left open and not recorded", sourceLocation: sourceLocation)
            }
            if let memory = inner as? MemoryStore, orphans.isEmpty {
                #expect(memory.openWriterCount == 0, "an upload was neither committed nor aborted", sourceLocation: sourceLocation)
            }
            if let fs = inner as? FileSystemStore, orphans.isEmpty {
                let directory = fs.temporaryDirectory
                #expect(try await BlockingIO.run { try LocalFiles.listDirectory(directory) }.isEmpty,
                        "the file-system store holds an unfinished upload", sourceLocation: sourceLocation)
            }
            let temporary = cache.fileCache.temporaryDirectory
            #expect(try await BlockingIO.run { try LocalFiles.listDirectory(temporary) }.isEmpty,
                    "the cache left a temp file", sourceLocation: sourceLocation)
        }
    }

    static func failures(_ runs: [FlushRun]) -> [WriteCacheError] {
        runs.compactMap { if case .failure(let error)? = $0.outcome { error } else { nil } }
    }

    static func successes(_ runs: [FlushRun]) -> [FlushOutcome] {
        runs.compactMap { if case .success(let outcome)? = $0.outcome { outcome } else { nil } }
    }

    @Test("torn uploads are detected and never acknowledged")
    func tornUploadsAreDetected() async throws {
        let rig = try await Rig.make(#"[{"op": "write", "kind": "torn", "path": "*.parquet"}]"#, over: MemoryStore())
        let runs = await rig.flush(count: 6)
        #expect(Self.successes(runs).isEmpty)
        #expect(Self.failures(runs).allSatisfy { $0.code == .verification })
        #expect(rig.faulty.trace.records().filter { $0.kind == .torn }.count == 18, "6 flushes x 3 attempts")
        try await rig.expectPromisesKept(runs)
        #expect(try await rig.inner.list(prefix: "").isEmpty)
        try await rig.close()
    }

    @Test("some torn uploads: the acknowledged flushes are intact, the others detected")
    func someTornUploads() async throws {
        let rig = try await Rig.make(#"[{"op": "write", "kind": "torn", "afterFraction": 0.9, "probability": 0.5}]"#, over: MemoryStore(),
                                     retry: .never)
        let runs = await rig.flush(count: 16)
        #expect(!Self.successes(runs).isEmpty && !Self.failures(runs).isEmpty)
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("a lost acknowledgement is retried to a good upload, or the committed object is deleted")
    func ackLostUploads() async throws {
        let once = try await Rig.make(#"[{"op": "write", "kind": "ackLost", "maxCount": 1}]"#, over: MemoryStore())
        let retried = await once.flush(count: 4)
        #expect(Self.successes(retried).count == 4)
        #expect(Self.successes(retried).flatMap(\.files).allSatisfy { $0.attempts == 2 })
        try await once.expectPromisesKept(retried)
        try await once.close()

        let always = try await Rig.make(#"[{"op": "write", "kind": "ackLost", "path": "*.puffin"}]"#, over: MemoryStore())
        let failed = await always.flush(count: 4)
        #expect(Self.successes(failed).isEmpty)
        try await always.expectPromisesKept(failed)
        #expect(try await always.inner.list(prefix: "").isEmpty, "committed objects of failed flushes are deleted")
        try await always.close()
    }

    @Test("partial uploads leave no object and no open upload")
    func partialUploadsLeaveNothing() async throws {
        let rig = try await Rig.make(#"[{"op": "write", "kind": "partial", "afterFraction": 0.5}]"#, over: MemoryStore())
        let runs = await rig.flush(count: 4)
        #expect(Self.successes(runs).isEmpty)
        #expect(rig.faulty.trace.records().allSatisfy { $0.kind == .partial })
        try await rig.expectPromisesKept(runs)
        #expect(try await rig.inner.list(prefix: "").isEmpty)
        try await rig.close()
    }

    @Test("errors at the end of an upload are retried, and the failed attempts leave nothing behind")
    func closeErrorsAreRetried() async throws {
        // maxBackoff above SlowDown's Retry-After, which is honoured up to maxBackoff.
        let rig = try await Rig.make(#"[{"op": "write", "kind": "error", "error": "SlowDown", "maxCount": 2}]"#, over: MemoryStore(),
                                     retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .seconds(2)))
        let runs = await rig.flush(count: 3, concurrency: 1)
        #expect(Self.successes(runs).flatMap(\.files).map(\.attempts) == [3, 3, 3, 3, 3, 3])
        #expect(rig.time.now() >= .seconds(12), "each retry waited for SlowDown's Retry-After of 1 s")
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("a permanent error is not retried")
    func permanentErrorsAreNotRetried() async throws {
        let rig = try await Rig.make(#"[{"op": "write", "kind": "error", "error": "AccessDenied", "path": "*.parquet"}]"#, over: MemoryStore())
        let runs = await rig.flush(count: 2, concurrency: 1)
        #expect(Self.failures(runs).count == 2)
        for run in runs {
            let key = "sst/" + FileKey(region: run.region, fileID: run.fileID, type: .parquet).remoteKey
            #expect(rig.faulty.attemptCount(.write, key: key) == 1)
        }
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("a delete that fails during clean-up leaves a known orphan, never an unknown one")
    func failedCleanUpIsAKnownOrphan() async throws {
        let rig = try await Rig.make("""
            [{"op": "write", "kind": "torn", "path": "*.puffin"},
             {"op": "delete", "kind": "error", "error": "AccessDenied"}]
            """, over: MemoryStore())
        let runs = await rig.flush(count: 3)
        #expect(Self.successes(runs).isEmpty)
        let remote = try await rig.inner.list(prefix: "").map(\.key)
        #expect(!remote.isEmpty)
        #expect(Set(remote).isSubset(of: rig.cache.orphans.keys))
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("stat errors during verification are retried; hangs at close time out and are retried")
    func verificationAndHangsAreRetried() async throws {
        let rig = try await Rig.make("""
            [{"op": "stat", "kind": "error", "error": "InternalError", "nth": [1]},
             {"op": "write", "kind": "hang", "max": "20s", "nth": [1], "path": "*.parquet"}]
            """, over: MemoryStore())
        let runs = await rig.flush(count: 3, concurrency: 1)
        #expect(Self.successes(runs).count == 3)
        #expect(rig.time.now() >= .seconds(60))
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("a read cut mid-stream fails the download and leaves no temp file; a retry succeeds")
    func readFaultsDuringDownload() async throws {
        let rig = try await Rig.make("""
            [{"op": "read", "kind": "partial", "afterFraction": 0.5, "path": "sst/0/*", "probability": 1},
             {"op": "read", "kind": "error", "error": "InternalError", "nth": [1], "path": "sst/1/*"}]
            """, over: MemoryStore())
        let runs = await rig.flush(count: 2, concurrency: 1, dataSize: 300_000)
        #expect(Self.successes(runs).count == 2)
        for run in runs {
            let key = FileKey(region: run.region, fileID: run.fileID, type: .parquet)
            await rig.cache.remove(region: run.region, fileID: run.fileID)
            if run.region == 0 {
                await #expect(throws: WriteCacheError.self) { try await rig.cache.download(key) }
                #expect(!rig.cache.fileCache.contains(key))
            } else {
                #expect(try await rig.cache.download(key) == UInt64(run.data.count))
                #expect(try await rig.cache.read(key, range: 0..<UInt64(run.data.count)) == run.data)
            }
        }
        try await rig.expectPromisesKept(runs)
        try await rig.close()
    }

    @Test("a mix of every fault over many flushes keeps every promise", arguments: BackingStore.allCases)
    func mixedFaultsKeepPromises(backing: BackingStore) async throws {
        let rules = """
            [{"op": "*", "kind": "latency", "distribution": "exponential", "mean": "5ms"},
             {"op": "write", "kind": "error", "error": "SlowDown", "probability": 0.15},
             {"op": "write", "kind": "partial", "afterBytes": "100KiB", "probability": 0.15},
             {"op": "write", "kind": "torn", "probability": 0.1},
             {"op": "write", "kind": "ackLost", "probability": 0.1},
             {"op": "write", "kind": "bandwidth", "bytesPerSecond": "10MiB", "probability": 0.3},
             {"op": "write", "kind": "hang", "max": "5s", "probability": 0.05},
             {"op": "stat", "kind": "error", "error": "InternalError", "probability": 0.1},
             {"op": "delete", "kind": "error", "error": "InternalError", "probability": 0.3},
             {"op": "delete", "kind": "ackLost", "probability": 0.1}]
            """
        try await withBackingStore(backing) { inner in
            let rig = try await Rig.make(rules, over: inner)
            let runs = await rig.flush(count: 24)
            #expect(!Self.successes(runs).isEmpty)
            #expect(Set(rig.faulty.trace.records().map(\.kind)).isSuperset(of: [.torn, .ackLost, .partial, .error]))
            try await rig.expectPromisesKept(runs)
            try await rig.close()
        }
    }
}
