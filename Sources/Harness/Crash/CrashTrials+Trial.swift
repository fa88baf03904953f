import Crypto
import Foundation
import ObjectStore
import Platform
import WriteCache

extension CrashTrials {
    /// Runs trial `index`: the child, then recovery, the journal's objects, gc and the remote.
    static func runTrial(_ configuration: Configuration, remote: TrialRemote, index: Int, seed: UInt64, dieAt: Int,
                         directory: String) async -> Trial {
        var trial = Trial(index: index, seed: seed, dieAt: dieAt)
        trial.mode = configuration.mode.rawValue
        let outcome = await runChild(configuration, remote: remote, dieAt: dieAt, seed: seed, directory: directory)
        trial.childSeconds = outcome.seconds
        trial.exitStatus = outcome.status
        let lines = outcome.standardError.split(separator: "\n")
        trial.death = lines.last { $0.contains("crash trial: died at") }.map { String($0.drop { $0 != "(" }.dropFirst().dropLast()) }
            ?? lines.last { $0.contains("injected crash") }.map { "crash rule: " + $0.drop { $0 != "(" }.dropFirst().dropLast() }
        trial.cut = trial.death.flatMap(Self.cut(in:))
        // Replayed by kind and ordinal ("the 37th fsync"): the same step at any interleaving.
        var point = "--die-at \(dieAt)"
        if let death = trial.death, let kind = death.split(separator: " '").first, let ordinal = Self.ordinal(in: death) {
            point = "--die-on '\(kind)' --die-at \(ordinal)"
        }
        trial.replay = "flushbench crash \(configuration.scenarioFile) --mode \(configuration.mode.rawValue) --trial-seed \(seed) \(point)"
            + (trial.cut.map { " --cut \($0)" } ?? "") + " --trials 1"
        switch outcome.status {
        case 86: trial.outcome = "died"
        case 0, 1: trial.outcome = "completed" // the death point lay beyond this run's operations
        default:
            trial.outcome = "status \(outcome.status)"
            trial.problems.append("the child ended with status \(outcome.status), not 86 (died at the point) or 0/1 (completed): \(outcome.standardError.suffix(600))")
            return trial
        }
        guard let marker = try? await BlockingIO.run({ try WorkArea.readMarker(directory) }), let prefix = marker.remotePrefix else {
            trial.problems.append("the work area '\(directory)' has no marker naming its remote prefix")
            return trial
        }
        let lock: DirectoryLock
        do {
            lock = try await BlockingIO.run { try DirectoryLock.acquire(directory + "/" + WorkArea.lockName) }
        } catch {
            trial.problems.append("the work area's lock is still held after the child ended: \(error)")
            return trial
        }
        await checkRecovery(configuration, directory: directory, trial: &trial)
        do {
            // The fs store's own recovery (at open) removes the temp files of writes a death cut.
            let storeTemporary = directory + "/remote/tmp"
            trial.storeTemporaryRemoved = (try? await BlockingIO.run { try LocalFiles.listDirectory(storeTemporary) })?.count ?? 0
            let store = try await remote.store(directory: directory)
            if remote.kind == .fs, let left = try? await BlockingIO.run({ try LocalFiles.listDirectory(storeTemporary) }), !left.isEmpty {
                trial.problems.append("the fs store's temp directory still holds \(left.count) file(s) after it was opened")
            }
            let journal = (try? await BlockingIO.run { try RunJournal.read(directory + "/" + WorkArea.journalName) }) ?? []
            await checkJournal(journal, store: store, trial: &trial)
            let gc = await GarbageCollection.run(.init(store: store, prefix: prefix, manifest: journal, grace: .zero, writerIsDead: true,
                                                       age: remote.age(store)), dryRun: false)
            trial.gcDeleted = gc.deleted.count
            trial.gcAborted = gc.abortedUploads.count
            trial.problems += gc.failures.map { "gc: \($0)" }
            await checkRemote(journal, store: store, prefix: prefix, trial: &trial)
            if remote.kind == .s3 { _ = await GarbageCollection.run(.init(store: store, prefix: prefix, manifest: [], grace: .zero, writerIsDead: true), dryRun: false) }
        } catch {
            trial.problems.append("\(error)")
        }
        _ = try? await BlockingIO.runToCompletion { lock.release() }
        return trial
    }

    /// Reopens the cache (recovery) and checks it: no temp files, index == disk, every indexed
    /// file whole, nothing torn (a kill never tears a file committed by rename), nothing foreign.
    static func checkRecovery(_ configuration: Configuration, directory: String, trial: inout Trial) async {
        let cacheDirectory = directory + "/cache"
        let cache: FileCache
        do {
            cache = try await FileCache.open(FileCacheConfiguration(directory: cacheDirectory, capacity: configuration.scenario.cache.capacity))
        } catch {
            trial.problems.append("recovery failed: \(error)")
            return
        }
        let report = cache.recovery
        trial.recovered = report.recoveredFiles
        trial.torn = report.removedTorn
        trial.temporaryRemoved = report.removedTemporary
        trial.foreign = report.foreignEntries
        trial.knownOrphans = report.knownOrphans
        if report.removedTorn > 0 {
            trial.problems.append("recovery removed \(report.removedTorn) torn file(s) under committed names (a commit that is not atomic): \(report.tornNames.joined(separator: "; "))")
        }
        if report.foreignEntries > 0 { trial.problems.append("recovery found foreign entries: \(report.foreignNames.joined(separator: ", "))") }
        let index = cache.snapshot()
        let found: Result<(temporary: [String], files: [String: UInt64], broken: [String]), any Error> = await Result {
            try await BlockingIO.run {
                let temporary = try LocalFiles.listDirectory(cacheDirectory + "/tmp")
                var files: [String: UInt64] = [:]
                var broken: [String] = []
                for name in try LocalFiles.listDirectory(cacheDirectory) {
                    guard let key = FileKey(fileName: name) else { continue }
                    let attributes = try FileManager.default.attributesOfItem(atPath: cacheDirectory + "/" + name)
                    files[name] = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
                    if let reason = FileCache.tornReason(path: cacheDirectory + "/" + name, type: key.type) { broken.append("\(name): \(reason)") }
                }
                return (temporary, files, broken)
            }
        }
        cache.close()
        switch found {
        case .failure(let error):
            trial.problems.append("cannot list the cache directory '\(cacheDirectory)': \(error)")
        case .success(let disk):
            if !disk.temporary.isEmpty { trial.problems.append("temp files after recovery: \(disk.temporary.sorted().joined(separator: ", "))") }
            let indexed = Dictionary(uniqueKeysWithValues: index.map { ($0.key.fileName, $0.value) })
            if indexed != disk.files {
                let onlyIndexed = Set(indexed.keys).subtracting(disk.files.keys).sorted()
                let onlyOnDisk = Set(disk.files.keys).subtracting(indexed.keys).sorted()
                let sizes = indexed.filter { entry in disk.files[entry.key].map { $0 != entry.value } ?? false }.keys.sorted()
                trial.problems.append("index != disk: only indexed \(onlyIndexed), only on disk \(onlyOnDisk), sizes differ \(sizes)")
            }
            if !disk.broken.isEmpty { trial.problems.append("indexed files that are not whole: \(disk.broken.joined(separator: "; "))") }
        }
    }

    /// Every journaled object is on the remote with its size and SHA-256.
    static func checkJournal(_ journal: [RunJournal.Entry], store: any ObjectStore, trial: inout Trial) async {
        trial.acknowledgedFlushes = Set(journal.map(\.flush)).count
        trial.journaledObjects = journal.count
        var verified = 0
        for entry in journal {
            do {
                let bytes = try await store.read(key: entry.key, range: 0..<entry.bytes)
                let size = try await store.stat(key: entry.key).size
                let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                if size == entry.bytes, bytes.count == Int(entry.bytes), digest == entry.sha256 {
                    verified += 1
                } else {
                    trial.problems.append("journaled '\(entry.key)' differs on the remote: \(size) bytes (journal \(entry.bytes)), sha256 \(digest) (journal \(entry.sha256))")
                }
            } catch {
                trial.problems.append("journaled '\(entry.key)' cannot be read from the remote: \(error)")
            }
        }
        trial.verifiedObjects = verified
    }

    /// After gc the remote holds exactly the journal's objects below the run's prefix, and no
    /// incomplete upload.
    static func checkRemote(_ journal: [RunJournal.Entry], store: any ObjectStore, prefix: String, trial: inout Trial) async {
        do {
            let listed = Set(try await store.list(prefix: prefix).map(\.key))
            let expected = Set(journal.map(\.key))
            if listed != expected {
                trial.problems.append("after gc the remote differs from the journal: unknown \(listed.subtracting(expected).sorted()), missing \(expected.subtracting(listed).sorted())")
            }
            let uploads = try await store.incompleteUploads(prefix: prefix)
            if !uploads.isEmpty { trial.problems.append("after gc \(uploads.count) incomplete upload(s) remain under '\(prefix)'") }
        } catch {
            trial.problems.append("cannot list '\(prefix)' after gc: \(error)")
        }
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

extension CrashTrials {
    /// The bytes of a dying write that reached the disk, from a death's description
    /// (`file write '…', #3 of its kind, at byte 120 of 4096`).
    static func ordinal(in death: String) -> Int? {
        guard let range = death.range(of: ", #") else { return nil }
        return Int(death[range.upperBound...].prefix { $0.isNumber })
    }

    /// The bytes of a dying write that reached the disk, from a death's description.
    static func cut(in death: String) -> Int? {
        guard let range = death.range(of: "at byte ") else { return nil }
        return Int(death[range.upperBound...].prefix { $0.isNumber })
    }
}
