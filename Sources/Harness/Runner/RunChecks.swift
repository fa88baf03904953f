import Foundation
import ObjectStore
import Platform
import WriteCache

/// The invariants checked after every run (DESIGN.md "Checks after every run").
struct RunChecks {
    let cache: WriteCache
    /// The remote store without faults: what is really there.
    let store: any ObjectStore
    /// Every acknowledged file and the SHA-256 of its content.
    let acknowledged: [FileKey: String]
    let acknowledgedObjects: [ObjectRecord]
    let policy: RetryPolicy

    struct Outcome {
        var checks: [CheckResult] = []
        var leftoverFiles = 0
        var unknownOrphans: [String] = []
        var corruptObjects = 0
        var missingObjects = 0
    }

    func run() async -> Outcome {
        var outcome = Outcome()
        // Directory listings block: take them on the blocking-I/O pool.
        let directory = cache.fileCache.configuration.directory
        let temporary = cache.fileCache.temporaryDirectory
        let listing = try? await BlockingIO.run { () -> (temporary: [String], files: [String: UInt64]) in
            var files: [String: UInt64] = [:]
            for name in try LocalFiles.listDirectory(directory) where name != "tmp" && name != "LOCK" && name != OrphanLedger.fileName {
                files[name] = try LocalFiles.status(directory + "/" + name)?.size ?? 0
            }
            return (try LocalFiles.listDirectory(temporary), files)
        }
        checkTemporaryFiles(&outcome, listing?.temporary ?? [])
        checkIndexMatchesDisk(&outcome, listing?.files ?? [:])
        await checkRemote(&outcome)
        await checkIntegrity(&outcome)
        checkByteCounters(&outcome)
        checkRetries(&outcome)
        return outcome
    }

    private func add(_ outcome: inout Outcome, _ name: String, _ passed: Bool, _ detail: String) {
        outcome.checks.append(CheckResult(name: name, passed: passed, detail: detail))
    }

    /// 1. No file left in the cache's temp directory.
    private func checkTemporaryFiles(_ outcome: inout Outcome, _ left: [String]) {
        outcome.leftoverFiles += left.count
        add(&outcome, "no-temp-files", left.isEmpty,
            left.isEmpty ? "the cache's temp directory is empty" : "\(left.count) file(s) left in \(cache.fileCache.temporaryDirectory): \(left.sorted().prefix(5).joined(separator: ", "))")
    }

    /// 2. The index equals the files on disk, and their total fits the capacity.
    private func checkIndexMatchesDisk(_ outcome: inout Outcome, _ onDisk: [String: UInt64]) {
        let index = cache.fileCache.snapshot()
        let indexed = Dictionary(uniqueKeysWithValues: index.map { ($0.key.fileName, $0.value) })
        let untracked = onDisk.keys.filter { indexed[$0] == nil }.sorted()
        let missing = indexed.keys.filter { onDisk[$0] == nil }.sorted()
        let wrongSize = indexed.keys.filter { onDisk[$0] != nil && onDisk[$0] != indexed[$0] }.sorted()
        let total = index.values.reduce(0, +)
        let capacity = cache.fileCache.configuration.capacity
        outcome.leftoverFiles += untracked.count
        var problems: [String] = []
        if !untracked.isEmpty { problems.append("\(untracked.count) untracked file(s): \(untracked.prefix(5).joined(separator: ", "))") }
        if !missing.isEmpty { problems.append("\(missing.count) entry(ies) without a file: \(missing.prefix(5).joined(separator: ", "))") }
        if !wrongSize.isEmpty { problems.append("\(wrongSize.count) file(s) whose size differs from the index: \(wrongSize.prefix(5).joined(separator: ", "))") }
        if total > capacity { problems.append("indexed files total \(total) bytes, over the capacity of \(capacity)") }
        add(&outcome, "index-matches-disk", problems.isEmpty,
            problems.isEmpty ? "\(index.count) file(s), \(Units.formatSize(total)) of \(Units.formatSize(capacity))" : problems.joined(separator: "; "))
    }

    /// 3. Remote objects equal the acknowledged SSTs; anything else is a known or unknown orphan.
    private func checkRemote(_ outcome: inout Outcome) async {
        let prefix = cache.configuration.remotePrefix
        let expected = Set(acknowledgedObjects.map(\.key))
        let known = cache.orphans.keys
        let listed: [ObjectInfo]
        do {
            listed = try await store.list(prefix: prefix)
        } catch {
            add(&outcome, "remote-objects", false, "cannot list the remote store under '\(prefix)': \(error.message)")
            return
        }
        let present = Set(listed.map(\.key))
        let extra = present.subtracting(expected)
        let missing = expected.subtracting(present)
        outcome.missingObjects = missing.count
        var unknown = extra.filter { !known.contains($0) }
        let incomplete = (try? await store.incompleteUploads(prefix: prefix)) ?? []
        for upload in incomplete where !known.contains(upload.key) {
            unknown.insert("\(upload.key) (incomplete upload \(upload.uploadID))")
        }
        outcome.unknownOrphans = unknown.sorted()
        // A known orphan is handed over for garbage collection: one that names an acknowledged
        // object (rather than an incomplete upload, by its id) would have the only copy deleted.
        let endangered = cache.orphans.all.filter { $0.isObject && expected.contains($0.key) }.map(\.key)
        add(&outcome, "known-orphans-unacknowledged", endangered.isEmpty,
            endangered.isEmpty ? "no known orphan names an acknowledged object"
                : "\(endangered.count) known orphan(s) name acknowledged objects, which garbage collection would delete: \(endangered.sorted().prefix(5).joined(separator: ", "))")
        add(&outcome, "acknowledged-objects-present", missing.isEmpty,
            missing.isEmpty ? "all \(expected.count) acknowledged object(s) are on the remote"
                : "\(missing.count) acknowledged object(s) are missing (lost): \(missing.sorted().prefix(5).joined(separator: ", "))")
        add(&outcome, "no-unknown-orphans", unknown.isEmpty,
            unknown.isEmpty ? "\(extra.count) extra object(s), all recorded as known orphans"
                : "\(unknown.count) object(s) on the remote belong to no acknowledged flush and were not recorded: \(unknown.sorted().prefix(5).joined(separator: ", "))")
    }

    /// 4. Every acknowledged object has the size and checksum written; cached copies are identical.
    private func checkIntegrity(_ outcome: inout Outcome) async {
        var corrupt: [String] = []
        var verified = 0
        for object in acknowledgedObjects {
            guard let digest = try? await remoteDigest(object.key) else { continue }
            verified += 1
            if digest.size != object.bytes || digest.checksum.value != object.checksum {
                corrupt.append("\(object.key) (\(digest.size) bytes, expected \(object.bytes))")
            }
        }
        var cachedChecked = 0
        for (key, checksum) in acknowledged where cache.fileCache.contains(key) {
            guard let digest = try? await localDigest(cache.fileCache.path(of: key)) else { continue }
            cachedChecked += 1
            if digest.checksum.value != checksum { corrupt.append("cached \(key.fileName)") }
        }
        outcome.corruptObjects = corrupt.count
        add(&outcome, "integrity", corrupt.isEmpty,
            corrupt.isEmpty ? "\(verified) remote object(s) and \(cachedChecked) cached file(s) match what was written"
                : "\(corrupt.count) object(s) differ from what was written: \(corrupt.prefix(5).joined(separator: ", "))")
    }

    private func remoteDigest(_ key: String) async throws -> (size: UInt64, checksum: Checksum) {
        try await Self.remoteDigest(key, store: store)
    }

    /// The size and SHA-256 of the object `key` on `store`, read in 8 MiB ranges.
    static func remoteDigest(_ key: String, store: any ObjectStore) async throws -> (size: UInt64, checksum: Checksum) {
        let size = try await store.stat(key: key).size
        var hasher = SHA256Accumulator()
        var offset: UInt64 = 0
        let chunk: UInt64 = 8 << 20
        while offset < size {
            let bytes = try await store.read(key: key, range: offset..<min(offset + chunk, size))
            guard !bytes.isEmpty else { break }
            hasher.update(bytes)
            offset += UInt64(bytes.count)
        }
        return (offset, hasher.finalize())
    }

    private func localDigest(_ path: String) async throws -> (size: UInt64, checksum: Checksum) {
        try await BlockingIO.run { try SHA256Accumulator.digestOfFile(at: path) }
    }

    /// 5. Byte counters balance: every byte sent was acknowledged or wasted, and acknowledged
    /// flushes hold no more than was acknowledged.
    private func checkByteCounters(_ outcome: inout Outcome) {
        let bytes = cache.metrics.bytes
        let flushBytes = acknowledgedObjects.reduce(0) { $0 + $1.bytes }
        var problems: [String] = []
        if bytes.uploaded != bytes.uploadedAcknowledged + bytes.wastedOnFailedAttempts {
            problems.append("uploaded \(bytes.uploaded) != acknowledged \(bytes.uploadedAcknowledged) + wasted \(bytes.wastedOnFailedAttempts)")
        }
        if flushBytes > bytes.uploadedAcknowledged {
            problems.append("acknowledged flushes hold \(flushBytes) bytes but only \(bytes.uploadedAcknowledged) were acknowledged")
        }
        if flushBytes > bytes.writtenToCache {
            problems.append("acknowledged flushes hold \(flushBytes) bytes but only \(bytes.writtenToCache) were written to the cache")
        }
        add(&outcome, "byte-counters-balance", problems.isEmpty,
            problems.isEmpty ? "uploaded \(bytes.uploaded) = acknowledged \(bytes.uploadedAcknowledged) + wasted \(bytes.wastedOnFailedAttempts); flushes hold \(flushBytes)"
                : problems.joined(separator: "; "))
    }

    /// 6. Retries stayed within the policy: attempts, back-off bounds, transient errors only.
    private func checkRetries(_ outcome: inout Outcome) {
        var problems: [String] = []
        let maxBackoff = policy.maxBackoff.components.seconds * 1000 + policy.maxBackoff.components.attoseconds / 1_000_000_000_000_000
        for event in cache.metrics.retries {
            let transient = ObjectStoreError.Code.transientCodes.contains(ObjectStoreError.Code(event.code)) || event.code == "verification"
            if !transient { problems.append("\(event.operation) '\(event.key)' retried after the permanent error \(event.code)") }
            if event.failedAttempt >= policy.maxAttempts { problems.append("\(event.operation) '\(event.key)' retried beyond \(policy.maxAttempts) attempts") }
            if event.code != ObjectStoreError.Code.slowDown.rawValue, event.backoffMilliseconds > Double(maxBackoff) + 0.001 {
                problems.append("\(event.operation) '\(event.key)' waited \(event.backoffMilliseconds) ms, over the \(maxBackoff) ms bound")
            }
        }
        let count = cache.metrics.retries.count
        add(&outcome, "retries-within-policy", problems.isEmpty,
            problems.isEmpty ? "\(count) retr\(count == 1 ? "y" : "ies"), all of transient errors within \(policy.maxAttempts) attempts and the back-off bound"
                : "\(problems.count) violation(s): \(problems.prefix(3).joined(separator: "; "))")
    }
}
