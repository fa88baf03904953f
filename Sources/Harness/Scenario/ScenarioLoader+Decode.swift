import FaultInjection
import Foundation
import WriteCache

extension ScenarioLoader {
    static let maxConcurrency = 256
    static let minS3PartSize: UInt64 = 5 << 20

    /// Decodes one scenario object at `path`, reporting issues into `reader`.
    static func decodeScenario(_ value: JSONValue, path: String, file: String, reader: inout ScenarioReader,
                               validateFault: FaultValidator?) -> Scenario? {
        guard var top = reader.object(value, path) else { return nil }
        let before = reader.issues.count
        func sub(_ key: String) -> String { top.child(key) }

        let name: String? = {
            guard let raw = top.take("name") else { reader.report(sub("name"), "required: a short name such as \"s3-partial-writes\""); return nil }
            guard let text = reader.string(raw, sub("name")) else { return nil }
            if let problem = ScenarioKeys.nameProblem(text) {
                reader.report(sub("name"), problem)
                return nil
            }
            return text
        }()
        let description: String = top.take("description").flatMap { reader.string($0, sub("description")) } ?? ""
        let seed: UInt64 = top.take("seed").flatMap { reader.unsigned($0, sub("seed")) } ?? 1
        let timeLimit = top.take("timeLimit").flatMap { reader.duration($0, sub("timeLimit"), atLeast: .seconds(1)) } ?? .seconds(300)
        let cleanupTimeLimit = top.take("cleanupTimeLimit").flatMap { reader.duration($0, sub("cleanupTimeLimit"), atLeast: .seconds(1)) } ?? .seconds(60)

        // store
        var store = StoreSpec(kind: .memory, endpoint: nil, bucket: nil, region: nil, prefix: "")
        if let raw = top.take("store"), var fields = reader.object(raw, sub("store")) {
            if let kindValue = fields.take("kind") {
                if let text = reader.string(kindValue, fields.child("kind"), allowed: StoreSpec.Kind.allCases.map(\.rawValue)) {
                    store.kind = StoreSpec.Kind(rawValue: text)!
                }
            } else {
                reader.report(fields.child("kind"), "required: one of \"memory\", \"fs\", \"s3\"")
            }
            for key in ["endpoint", "bucket", "region"] {
                guard let raw = fields.take(key), let text = reader.string(raw, fields.child(key)) else { continue }
                if store.kind != .s3 { reader.report(fields.child(key), "only an s3 store takes \(key); this store is \(store.kind.rawValue)") }
                switch key {
                case "endpoint":
                    if !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                        reader.report(fields.child(key), "expected a URL starting with http:// or https://, found \"\(text)\"")
                    }
                    store.endpoint = text
                case "bucket": store.bucket = text
                default: store.region = text
                }
            }
            if let raw = fields.take("cluster") {
                store.cluster = decodeCluster(raw, path: fields.child("cluster"), kind: store.kind, reader: &reader)
                if store.endpoint != nil {
                    reader.report(fields.child("endpoint"), "a managed cluster is started by the run on loopback; remove endpoint, or remove cluster to use that endpoint")
                }
            }
            if let raw = fields.take("prefix"), let text = reader.string(raw, fields.child("prefix")) {
                store.prefix = text
                if let problem = ScenarioKeys.prefixProblem(text, scenarioName: name ?? "x") {
                    reader.report(fields.child("prefix"), problem)
                }
            }
            reader.finish(fields)
        } else if top.fields["store"] == nil {
            reader.report(sub("store"), "required: an object such as { \"kind\": \"memory\" }")
        }

        // cache
        var cache = CacheSpec(capacity: 256 << 20, ttl: nil)
        if let raw = top.take("cache"), var fields = reader.object(raw, sub("cache")) {
            if let value = fields.take("capacity"), let bytes = reader.size(value, fields.child("capacity"), in: 4096...UInt64.max) { cache.capacity = bytes }
            if let value = fields.take("ttl") { cache.ttl = reader.duration(value, fields.child("ttl"), atLeast: .milliseconds(1)) }
            reader.finish(fields)
        }

        // upload
        var upload = UploadSpec(partSize: 8 << 20, concurrency: 8, verify: true, retry: RetryPolicy())
        if let raw = top.take("upload"), var fields = reader.object(raw, sub("upload")) {
            if let value = fields.take("partSize") {
                let minimum: UInt64 = store.kind == .s3 ? minS3PartSize : 1024
                if let bytes = reader.size(value, fields.child("partSize"), in: minimum...(5 << 30)) { upload.partSize = bytes }
                if store.kind == .s3, case .string(let text) = value, case .success(let bytes) = Units.parseSize(text), bytes < minS3PartSize {
                    reader.report(fields.child("partSize"), "S3 needs parts of at least 5 MiB (all but the last); found \(text)")
                }
            }
            if let value = fields.take("concurrency"), let n = reader.integer(value, fields.child("concurrency"), in: 1...64) { upload.concurrency = n }
            if let value = fields.take("verify"), let flag = reader.bool(value, fields.child("verify")) { upload.verify = flag }
            if let value = fields.take("retry"), var retry = reader.object(value, fields.child("retry")) {
                let attempts = retry.take("maxAttempts").flatMap { reader.integer($0, retry.child("maxAttempts"), in: 1...20) } ?? 3
                let initialValue = retry.take("initialBackoff")
                let parsedInitial = initialValue.flatMap { reader.duration($0, retry.child("initialBackoff")) }
                let initial = parsedInitial ?? .milliseconds(20)
                let maximumValue = retry.take("maxBackoff")
                let parsedMaximum = maximumValue.flatMap { reader.duration($0, retry.child("maxBackoff")) }
                let maximum = parsedMaximum ?? max(.seconds(1), initial)
                // Compare only values the author gave and that parsed, so one mistake is reported once.
                if (initialValue == nil || parsedInitial != nil), (maximumValue == nil || parsedMaximum != nil), maximum < initial {
                    reader.report(retry.child("maxBackoff"), "expected at least initialBackoff (\(initial)), found \(maximum)")
                }
                upload.retry = RetryPolicy(maxAttempts: attempts, initialBackoff: initial, maxBackoff: maximum)
                reader.finish(retry)
            }
            reader.finish(fields)
        }

        // download
        var download = DownloadSpec(chunkSize: 8 << 20, concurrency: 8)
        if let raw = top.take("download"), var fields = reader.object(raw, sub("download")) {
            if let value = fields.take("chunkSize"), let bytes = reader.size(value, fields.child("chunkSize"), in: 4096...(1 << 30)) { download.chunkSize = bytes }
            if let value = fields.take("concurrency"), let n = reader.integer(value, fields.child("concurrency"), in: 1...64) { download.concurrency = n }
            reader.finish(fields)
        }

        let beforeWorkload = reader.issues.count
        let workload = decodeWorkload(&top, file: file, reader: &reader)
        let workloadIsValid = reader.issues.count == beforeWorkload

        // faults
        var faults: [JSONValue] = []
        var clusterFaults: [NodeFault] = []
        if let raw = top.take("faults"), let items = reader.array(raw, sub("faults")) {
            for (index, item) in items.enumerated() {
                let rulePath = JSONPath.element(sub("faults"), index)
                guard reader.object(item, rulePath) != nil else { continue }
                if case .object(let fields) = item, fields["layer"] == .string("cluster") {
                    if let fault = decodeNodeFault(item, path: rulePath, index: index, store: store, timeLimit: timeLimit, reader: &reader) {
                        clusterFaults.append(fault)
                    }
                    continue
                }
                if case .object(let fields) = item, fields["layer"] == .string("network") {
                    // The fault proxy stands in front of an S3 endpoint it can read: plain HTTP only.
                    if store.kind != .s3 {
                        reader.report(JSONPath.child(rulePath, "layer"), "a network fault needs the s3 store (the fault proxy stands in front of S3), "
                            + "and this store is \(store.kind.rawValue): use \"store\" (the default, in-process) or an s3 store")
                        continue
                    }
                    if let endpoint = store.endpoint, endpoint.lowercased().hasPrefix("https://") {
                        reader.report(JSONPath.child(rulePath, "layer"), "a network fault needs a plain-HTTP endpoint, and store.endpoint is HTTPS "
                            + "(through a CONNECT tunnel the proxy sees only encrypted bytes, so the fault could never take effect)")
                        continue
                    }
                }
                if let huge = item.firstNumberBeyondDouble(rulePath) {
                    reader.report(huge.path, "expected a number a fault rule can use, found \(huge.text), which is beyond the range of 64-bit floating-point numbers")
                    continue
                }
                for issue in validateFault?(item, seed) ?? [] {
                    reader.report(issue.path.isEmpty ? rulePath : issue.path.hasPrefix("[") ? rulePath + issue.path : "\(rulePath).\(issue.path)", issue.message)
                }
                faults.append(item)
            }
        }

        checkOverlaps(clusterFaults, faultsPath: sub("faults"), reader: &reader)
        let phases = decodePhases(&top, seed: seed, timeLimit: timeLimit, reader: &reader, validateFault: validateFault)

        // Bounds that depend on the workload are checked only against a valid one.
        let expect = decodeExpectations(&top, workload: workloadIsValid ? workload : nil, reader: &reader)
        reader.finish(top)
        guard reader.issues.count == before, let name, let workload else { return nil }
        return Scenario(name: name, description: description, seed: seed, store: store, cache: cache, upload: upload,
                        download: download, workload: workload, faults: faults, expect: expect, timeLimit: timeLimit,
                        cleanupTimeLimit: cleanupTimeLimit, file: file, clusterFaults: clusterFaults, phases: phases)
    }

    private static func decodeWorkload(_ top: inout ObjectFields, file: String, reader: inout ScenarioReader) -> WorkloadSpec? {
        guard let raw = top.take("workload") else {
            reader.report(top.child("workload"), "required: an object with at least regions and flushesPerRegion")
            return nil
        }
        guard var fields = reader.object(raw, top.child("workload")) else { return nil }
        var workload = WorkloadSpec(regions: 1, flushesPerRegion: 1, concurrency: 4, rowsPerFlush: 100_000, rowGroupSize: 8192,
                                    index: true, tagCardinality: 100, readsAfterFlush: false, evictBeforeRead: false, arrival: .closed)
        func int(_ key: String, _ range: ClosedRange<Int>, required: Bool = false) -> Int? {
            guard let value = fields.take(key) else {
                if required { reader.report(fields.child(key), "required: an integer between \(range.lowerBound) and \(range.upperBound)") }
                return nil
            }
            return reader.integer(value, fields.child(key), in: range)
        }
        // A trace gives the flushes (regions and rows); the counts are then not asked for.
        let traced: Bool = { if case .object(let arrival)? = fields.fields["arrival"] { arrival["trace"] != nil } else { false } }()
        if traced {
            for key in ["regions", "flushesPerRegion", "rowsPerFlush"] where fields.fields[key] != nil {
                _ = fields.take(key)
                reader.report(fields.child(key), "the arrival trace gives each flush's region and rows; remove \(key)")
            }
        }
        workload.regions = int("regions", 1...10_000, required: !traced) ?? workload.regions
        workload.flushesPerRegion = int("flushesPerRegion", 1...100_000, required: !traced) ?? workload.flushesPerRegion
        workload.concurrency = int("concurrency", 1...maxConcurrency) ?? workload.concurrency
        workload.rowsPerFlush = int("rowsPerFlush", 0...50_000_000) ?? workload.rowsPerFlush
        workload.rowGroupSize = int("rowGroupSize", 1...10_000_000) ?? workload.rowGroupSize
        workload.tagCardinality = int("tagCardinality", 1...1_000_000) ?? workload.tagCardinality
        if let value = fields.take("index"), let flag = reader.bool(value, fields.child("index")) { workload.index = flag }
        if let value = fields.take("reads"), var reads = reader.object(value, fields.child("reads")) {
            if let v = reads.take("afterFlush"), let flag = reader.bool(v, reads.child("afterFlush")) { workload.readsAfterFlush = flag }
            if let v = reads.take("evictFirst"), let flag = reader.bool(v, reads.child("evictFirst")) { workload.evictBeforeRead = flag }
            reader.finish(reads)
        }
        if let value = fields.take("arrival") {
            let path = fields.child("arrival")
            switch value {
            case .string("closed"): workload.arrival = .closed
            case .object:
                if var arrival = reader.object(value, path) {
                    if let value = arrival.take("trace") {
                        if let trace = decodeTrace(value, path: arrival.child("trace"), scenarioFile: file, reader: &reader) { workload.arrival = .trace(trace) }
                        for key in ["rate", "spacing"] where arrival.take(key) != nil {
                            reader.report(arrival.child(key), "a trace gives each flush's time; remove \(key) (or the trace)")
                        }
                    } else if let rate = arrival.take("rate").flatMap({ reader.number($0, arrival.child("rate"), in: 0.001...100_000, what: "flushes per second") }) {
                        let spacing = arrival.take("spacing").flatMap { reader.string($0, arrival.child("spacing"), allowed: ["poisson", "fixed"]) } ?? "poisson"
                        workload.arrival = .rate(rate, poisson: spacing == "poisson")
                    } else if arrival.fields["rate"] == nil {
                        reader.report(arrival.child("rate"), "required: flushes per second, e.g. { \"rate\": 20 }, or a trace, e.g. { \"trace\": \"traces/x.jsonl\" }")
                    }
                    reader.finish(arrival)
                }
            default:
                reader.report(path, "expected \"closed\" or an object such as { \"rate\": 20 } or { \"trace\": \"traces/x.jsonl\" }, found \(value.typeDescription)")
            }
        }
        // A trace that failed to load leaves no count to compare with (its problem is reported).
        let unknownCount: Bool = { if case .trace = workload.arrival { false } else { traced } }()
        if !unknownCount, workload.concurrency > workload.totalFlushes {
            reader.report(fields.child("concurrency"),
                          "expected at most the number of flushes (\(workload.totalFlushes)), found \(workload.concurrency): the extra workers would never run")
        }
        if workload.totalFlushes > 1_000_000 {
            reader.report(fields.path, "regions x flushesPerRegion is \(workload.totalFlushes); at most 1000000 flushes per scenario")
        }
        reader.finish(fields)
        return workload
    }

    private static func decodeExpectations(_ top: inout ObjectFields, workload: WorkloadSpec?, reader: inout ScenarioReader) -> Expectations {
        var expect = Expectations()
        guard let raw = top.take("expect"), var fields = reader.object(raw, top.child("expect")) else { return expect }
        let total = workload?.totalFlushes ?? Int.max
        func count(_ key: String, upTo limit: Int = 100_000_000) -> Int? {
            fields.take(key).flatMap { reader.integer($0, fields.child(key), in: 0...limit) }
        }
        expect.leftoverFiles = count("leftoverFiles")
        expect.unknownOrphans = count("unknownOrphans")
        expect.corruptObjects = count("corruptObjects")
        expect.minFlushesSucceeded = count("minFlushesSucceeded", upTo: total)
        expect.maxFlushesFailed = count("maxFlushesFailed", upTo: total)
        expect.minFlushesFailed = count("minFlushesFailed", upTo: total)
        expect.minKnownOrphans = count("minKnownOrphans")
        expect.maxKnownOrphans = count("maxKnownOrphans")
        expect.minFaultsInjected = count("minFaultsInjected")
        expect.minUploadMiBps = fields.take("minUploadMiBps").flatMap { reader.number($0, fields.child("minUploadMiBps"), in: 0...1_000_000, what: "MiB/s") }
        expect.maxFlushP99 = fields.take("maxFlushP99").flatMap { reader.duration($0, fields.child("maxFlushP99")) }
        reader.finish(fields)
        return expect
    }
}
