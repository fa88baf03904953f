import FaultInjection
import Foundation
import ObjectStore
import Platform
import WriteCache

extension SimulationRun {
    /// Checks one finished operation against the model, then the properties that hold at any time.
    func check(_ operation: InFlight, _ result: OperationResult) async {
        let step = operation.index
        for file in result.acknowledged {
            guard let key = operation.step.writtenKeys.first(where: { $0.fileKey == file.key }) else { continue }
            checksRun += 1
            let expected = UInt64(sizes[key] ?? -1)
            if file.size != expected {
                violations.append(Violation(check: .acknowledgedSize, step: step,
                                            detail: "\(operation.step) acknowledged \(key) with \(file.size) bytes; \(expected) were written"))
            }
            acknowledged[key] = file.size
        }
        switch operation.step {
        case .read(let key, let offset, let length):
            checksRun += 1
            if let bytes = result.bytes {
                if let size = sizes[key] {
                    let expected = Array(content(of: key)[min(offset, size)..<min(offset + length, size)])
                    // A key not acknowledged when the read started may be half-uploaded: the
                    // remote can hold a torn prefix of it (a failed attempt not yet cleaned up),
                    // so a read of it may come back short, but never with other bytes.
                    // A read through to the remote that a `corrupt` fault hit may return flipped
                    // bytes: a range has no checksum to check them against.
                    // Nor, before it is acknowledged, with bytes a corrupt write flipped (the
                    // upload's verification fails, but the object stays until it is cleaned up).
                    let acceptable = bytes == expected
                        || (!operation.acknowledgedAtStart && bytes.count < expected.count && bytes == Array(expected.prefix(bytes.count)))
                        || (!operation.acknowledgedAtStart && bytes.count == expected.count && corruptWrites(on: key) > 0)
                        || (bytes.count == expected.count && corruptReads(on: key) > operation.corruptReadsAtStart)
                    if !acceptable {
                        violations.append(Violation(check: .readBytes, step: step,
                                                    detail: "read \(key) at \(offset)..<\(offset + length) returned \(bytes.count) bytes that differ from the \(expected.count) written (acknowledged at start: \(operation.acknowledgedAtStart); corrupted responses of the key: \(operation.corruptReadsAtStart) at start, \(corruptReads(on: key)) now: \(corruptReadOffsets(on: key)))"))
                    }
                } else {
                    violations.append(Violation(check: .noPhantomKeys, step: step, detail: "read of \(key), never written, returned \(bytes.count) bytes"))
                }
            } else if let error = result.error, operation.acknowledgedAtStart, !operation.cancelled,
                      !faultFired(on: key, since: operation.traceStart) {
                violations.append(Violation(check: .readFailsOnlyForACause, step: step,
                                            detail: "read of acknowledged \(key) failed with no fault on it (outcome faults on it: \(operation.traceStart) at start, \(outcomeFaults(on: key)) now) and no cancellation: \(error)"))
            }
        case .put, .flush:
            checksRun += 1
            if result.error == nil, case .flush(let sst, _, let indexSize) = operation.step {
                let expected = Set([SimKey(sst: sst, type: .parquet)] + (indexSize > 0 ? [SimKey(sst: sst, type: .puffin)] : []))
                let got = Set(operation.step.writtenKeys.filter { key in result.acknowledged.contains { $0.key == key.fileKey } })
                if got != expected {
                    violations.append(Violation(check: .flushAcknowledgesEveryFile, step: step,
                                                detail: "\(operation.step) succeeded acknowledging \(got.sorted()), not \(expected.sorted())"))
                }
            }
            let keys = operation.step.writtenKeys
            // A `capacity` error is a cause of its own: pinned files and other writes held the
            // room for the whole reservation wait (the capacity check sees it was respected).
            if let error = result.error, !operation.cancelled, error.code != .capacity,
               keys.reduce(0, { $0 + outcomeFaults(on: $1) }) == operation.traceStart {
                violations.append(Violation(check: .writeFailsOnlyForACause, step: step,
                                            detail: "\(operation.step) failed with no fault on its objects and no cancellation: \(error)"))
            }
        case .download(let key):
            checksRun += 1
            if result.error == nil, result.downloaded, sizes[key] == nil {
                violations.append(Violation(check: .noPhantomKeys, step: step, detail: "download of \(key), never written, succeeded"))
            }
        default:
            break
        }
        checksRun += 1
        let took = time.now() - operation.startedAt
        if took > operationBound {
            violations.append(Violation(check: .operationBound, step: step,
                                        detail: "\(operation.step) took \(took) of simulated time (bound \(operationBound))"))
        }
        checkCapacity(step: step)
        // The keys this operation wrote are checked after it; every quiet acknowledged key every
        // ``remoteSweepInterval`` steps on the memory store (it answers from a stat with its
        // checksum; the fs store is read whole), and all of them at quiescence.
        let busy = Set(inFlight.values.flatMap(\.step.writtenKeys))
        var candidates = operation.step.writtenKeys
        if history.configuration.store == .memory, step >= lastRemoteSweep + SimulationRun.remoteSweepInterval {
            lastRemoteSweep = step
            candidates = Array(acknowledged.keys)
        }
        await checkRemote(keys: candidates.filter { acknowledged[$0] != nil && !busy.contains($0) }, step: step)
    }

    /// The remote key of `key` (made once per key: building it formats a UUID).
    func remoteKey(_ key: SimKey) -> String {
        if let known = remoteKeys[key] { return known }
        let made = cache.remoteKey(for: key.fileKey)
        remoteKeys[key] = made
        return made
    }

    /// Faults that decide an outcome (not latency or bandwidth) recorded so far on `key`'s remote object.
    func outcomeFaults(on key: SimKey) -> Int {
        traceIndex.update(from: store.trace)
        return traceIndex.outcome[remoteKey(key), default: 0]
    }

    /// `corrupt` faults recorded so far on reads of `key`'s remote object.
    func corruptReads(on key: SimKey) -> Int {
        traceIndex.update(from: store.trace)
        return traceIndex.corruptReads[remoteKey(key), default: 0]
    }

    /// `corrupt` faults recorded so far on writes of `key`'s remote object.
    func corruptWrites(on key: SimKey) -> Int {
        traceIndex.update(from: store.trace)
        return traceIndex.corruptWrites[remoteKey(key), default: 0]
    }

    /// Where the `corrupt` faults on reads of `key` hit: `offset#attempt` of each response.
    func corruptReadOffsets(on key: SimKey) -> [String] {
        let remote = remoteKey(key)
        return store.trace.records().filter { $0.key == remote && $0.kind == .corrupt && $0.operation == .read }
            .map { "\($0.offset ?? 0)#\($0.attempt)" }
    }

    /// Whether a fault that decides an outcome hit `key` while the operation ran.
    func faultFired(on key: SimKey, since start: Int) -> Bool {
        outcomeFaults(on: key) > start
    }

    func checkCapacity(step: Int?) {
        checksRun += 1
        let statistics = cache.fileCache.statistics()
        let used = statistics.committedBytes + statistics.reservedBytes
        // Capacity is a hard bound: a reservation is made only once its victims are chosen, so
        // the peak (committed + reserved + files removed while pinned) never passes it either.
        if used > statistics.capacity || statistics.peakUsedBytes > statistics.capacity {
            violations.append(Violation(check: .capacity, step: step,
                                        detail: "the cache uses \(used) bytes (committed \(statistics.committedBytes), reserved \(statistics.reservedBytes); peak \(statistics.peakUsedBytes)) of a capacity of \(statistics.capacity)"))
        }
    }

    /// Every acknowledged key among `keys` is on the remote with exactly its bytes.
    func checkRemote(keys: some Sequence<SimKey>, step: Int?) async {
        for key in keys.sorted() {
            checksRun += 1
            let remote = remoteKey(key)
            let expected = content(of: key)
            do {
                // A store that keeps checksums answers from a stat; the others are read whole.
                let info = try await inner.stat(key: remote)
                if let checksum = info.checksum, checksum.algorithm == "sha256" {
                    if info.size != UInt64(expected.count) || checksum != expectedChecksum(of: key) {
                        violations.append(Violation(check: .acknowledgedOnRemote, step: step,
                                                    detail: "acknowledged \(key) ('\(remote)') holds \(info.size) bytes with checksum \(checksum) on the remote, not the \(expected.count) acknowledged"))
                    }
                    continue
                }
                let stored = try await inner.readAll(key: remote)
                if stored != expected {
                    violations.append(Violation(check: .acknowledgedOnRemote, step: step,
                                                detail: "acknowledged \(key) ('\(remote)') holds \(stored.count) bytes on the remote that differ from the \(expected.count) acknowledged"))
                }
            } catch {
                violations.append(Violation(check: .acknowledgedOnRemote, step: step,
                                            detail: "acknowledged \(key) ('\(remote)') is gone from the remote: \(error.message)"))
            }
        }
    }

    /// The checks of a quiet cache: no temp file, index equals disk, cached copies equal the
    /// written bytes, capacity, orphans, every acknowledged object.
    func checkQuiet() async {
        let step = currentStep
        checkCapacity(step: step)
        await checkRemote(keys: acknowledged.keys, step: step)

        let directory = cacheDirectory
        let listing: Result<(temporary: [String], files: [String: UInt64]), LocalFileError>
        let layer = files
        do {
            listing = try await layer.preferredExecutor.runToCompletion {
                Result { () throws(LocalFileError) in
                    let temporary = try layer.listDirectory(directory + "/tmp")
                    var files: [String: UInt64] = [:]
                    for name in try layer.listDirectory(directory) where name != "tmp" && name != "LOCK" && name != OrphanLedger.fileName {
                        files[name] = try layer.status(directory + "/" + name)?.size ?? 0
                    }
                    return (temporary, files)
                }
            }
        } catch {
            listing = .failure(LocalFileError(operation: "list", path: directory, errno: 0))
        }
        checksRun += 2
        switch listing {
        case .failure(let error):
            violations.append(Violation(check: .indexMatchesDisk, step: step, detail: "cannot list the cache directory: \(error)"))
        case .success(let (temporary, files)):
            if !temporary.isEmpty {
                violations.append(Violation(check: .noTemporaryFiles, step: step,
                                            detail: "\(temporary.count) file(s) left in the temp directory: \(temporary.sorted().prefix(5).joined(separator: ", "))"))
            }
            let index = Dictionary(uniqueKeysWithValues: cache.fileCache.snapshot().map { ($0.key.fileName, $0.value) })
            if index != files {
                let untracked = Set(files.keys).subtracting(index.keys).sorted()
                let missing = Set(index.keys).subtracting(files.keys).sorted()
                let resized = Set(index.keys).intersection(files.keys).filter { index[$0] != files[$0] }.sorted()
                violations.append(Violation(check: .indexMatchesDisk, step: step,
                                            detail: "index and disk differ: untracked \(untracked), missing \(missing), sizes differ \(resized)"))
            }
            await checkCachedCopies(Array(files.keys), step: step)
        }

        if let before = descriptorsAtStart, let now = await descriptorsNow() {
            checksRun += 1
            // Listing /proc/self/fd opens one descriptor itself, in both readings.
            if now > before {
                violations.append(Violation(check: .noOpenDescriptors, step: step,
                                            detail: "\(now - before) more file descriptor(s) open than when the cache was opened\(openHandleNames)"))
            }
        }
        await checkIncompleteUploads(step: step)
        checkRetries(step: step)
        checksRun += 2
        let ackedRemote = Set(acknowledged.keys.map { remoteKey($0) })
        // Object orphans only: an incomplete upload recorded under an acknowledged key is a real
        // leftover (aborting it by id leaves the object alone), checked with the uploads above.
        let orphans = earlierOrphans.union(cache.orphans.all.filter(\.isObject).map(\.key))
        let named = orphans.intersection(ackedRemote)
        if !named.isEmpty {
            violations.append(Violation(check: .knownOrphanNotAcknowledged, step: step,
                                        detail: "known orphans name acknowledged objects: \(named.sorted())"))
        }
        if let objects = try? await inner.list(prefix: "") {
            let unknown = Set(objects.map(\.key)).subtracting(ackedRemote).subtracting(orphans)
            if !unknown.isEmpty {
                violations.append(Violation(check: .noUnknownOrphans, step: step,
                                            detail: "remote objects neither acknowledged nor known orphans: \(unknown.sorted().prefix(5))"))
            }
        }
    }

    /// Every incomplete upload the remote lists is a known orphan with its upload id: what a
    /// failed abort left is recorded for garbage collection; a skipped abort leaves one unknown.
    func checkIncompleteUploads(step: Int) async {
        checksRun += 1
        guard let open = try? await store.incompleteUploads(prefix: "") else { return }
        let known = earlierOrphanUploads.union(cache.orphans.all.compactMap { orphan in orphan.uploadId.map { "\(orphan.key)#\($0)" } })
        let unknown = open.filter { !known.contains("\($0.key)#\($0.uploadID)") }
        if !unknown.isEmpty {
            violations.append(Violation(check: .incompleteUploadsKnown, step: step,
                                        detail: "incomplete uploads neither aborted nor known orphans: \(unknown.prefix(5).map { "\($0.key) (\($0.uploadID))" })"))
        }
    }

    /// The cache's retries were all of transient errors (a verification failure counts as one).
    func checkRetries(step: Int) {
        checksRun += 1
        let permanent = cache.metrics.retries.filter { event in
            !ObjectStoreError.Code.transientCodes.contains(ObjectStoreError.Code(event.code)) && event.code != WriteCacheError.Code.verification.rawValue
        }
        if let first = permanent.first {
            violations.append(Violation(check: .retriesOnlyTransient, step: step,
                                        detail: "\(permanent.count) retr\(permanent.count == 1 ? "y" : "ies") after a permanent error, first: \(first.operation) '\(first.key)' after \(first.code) at attempt \(first.failedAttempt)"))
        }
    }

    /// The paths of the in-memory layer's open handles (empty on the real disk).
    var openHandleNames: String {
        guard let memory = files as? InMemoryFileSystem else { return "" }
        return ": " + memory.openHandles().map { $0.path + ($0.isLock ? " (lock)" : "") }.joined(separator: ", ")
    }

    /// Each cached file holds exactly the bytes written for its key.
    private func checkCachedCopies(_ names: [String], step: Int) async {
        let byName = Dictionary(uniqueKeysWithValues: sizes.keys.map { ($0.fileKey.fileName, $0) })
        for name in names.sorted() {
            checksRun += 1
            guard let key = byName[name], let size = sizes[key] else {
                violations.append(Violation(check: .noPhantomKeys, step: step, detail: "the cache holds '\(name)', which was never written"))
                continue
            }
            let path = cacheDirectory + "/" + name
            let layer = files
            let bytes = try? await layer.preferredExecutor.runToCompletion { () throws -> [UInt8] in
                try layer.readWholeFile(path)
            }
            let expected = content(of: key)
            // A key never acknowledged may have been downloaded while its failed upload's object
            // was on the remote: a torn prefix, or a copy with bytes a corrupt write flipped.
            let unacknowledgedLeftover = acknowledged[key] == nil && bytes.map { bytes in
                (bytes.count < expected.count && bytes == Array(expected.prefix(bytes.count)))
                    || (bytes.count == expected.count && corruptWrites(on: key) > 0)
            } == true
            if bytes != expected, !unacknowledgedLeftover {
                violations.append(Violation(check: .indexMatchesDisk, step: step,
                                            detail: "the cached copy of \(key) holds \(bytes?.count ?? 0) bytes that differ from the \(size) written"))
            }
        }
    }
}
