import FaultInjection
import Foundation
import Synchronization
import ObjectStore
import Testing
import WriteCache
@testable import Simulation

/// Histories of every operation (upload again and remove included) with every store fault kind
/// at a concurrency that stays under the capacity: the cache must handle them all correctly.
let baseCleanConfiguration = SimulationConfiguration(operations: 150, concurrency: 4)

@Test func aBoundedSweepWithEveryFaultKindIsClean() async throws {
    let (summary, failures) = try await Sweep(configuration: baseCleanConfiguration, shrink: false).run(seeds: 1...50)
    #expect(failures.isEmpty, "\(summary.text())")
    #expect(summary.histories == 50)
    #expect(summary.checksRun > 10_000)
    // The sweep exercises what it claims to: faults of several kinds, failures, cancellations.
    #expect(summary.faultsByKind.count >= 5, "\(summary.faultsByKind)")
    #expect((summary.operationsByKind["reopen"] ?? 0) > 0)
    #expect((summary.failedByKind["read"] ?? 0) > 0)
}

@Test func aSweepWithoutFaultsOnTheFileSystemStoreIsClean() async throws {
    var configuration = baseCleanConfiguration
    configuration.store = .fs
    configuration.faultKinds = []
    let (summary, failures) = try await Sweep(configuration: configuration, shrink: false).run(seeds: 1...3)
    #expect(failures.isEmpty, "\(summary.text())")
}

/// A put acknowledged, then an `upload` again whose only write attempt fails with a permanent
/// error, and whose clean-up delete fails too (when `failDelete`).
func reuploadHistory(failDelete: Bool) -> History {
    let key = SimKey(sst: 0, type: .parquet)
    var faults = [FaultRule(operation: .write, fault: .error(InjectedError(code: .accessDenied)), nth: [2])]
    if failDelete { faults.append(FaultRule(operation: .delete, fault: .error(InjectedError(code: .accessDenied)))) }
    return History(seed: 1, configuration: SimulationConfiguration(concurrency: 1), faults: faults,
                   steps: [.put(key: key, size: 3000), .upload(key: key), .read(key: key, offset: 0, length: 100)])
}

@Test func aFailedReuploadKeepsTheAcknowledgedObject() async throws {
    // Issue 10 item 1: on the old cache the checker found acknowledgedOnRemote here.
    let report = try await Simulator().replay(reuploadHistory(failDelete: false))
    #expect(report.isClean, "\(report.violations)")
}

@Test func knownOrphansNeverNameAcknowledgedObjects() async throws {
    // Issue 10 item 2: on the old cache the checker found knownOrphanNotAcknowledged here.
    let report = try await Simulator().replay(reuploadHistory(failDelete: true))
    #expect(report.isClean, "\(report.violations)")
}

/// A remote that loses the first object it stored once a second one is verified: what the
/// checker must report as an acknowledged object that is gone, whatever the cache did.
final class ForgetfulStore: ObjectStore {
    let kind = "forgetful"
    let inner: any ObjectStore
    let first = Mutex<String?>(nil)

    init(wrapping inner: any ObjectStore) {
        self.inner = inner
    }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try await inner.makeWriter(key: key, options: options)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        let info = try await inner.stat(key: key)
        let lose = first.withLock { first -> String? in
            guard let earlier = first else {
                first = key
                return nil
            }
            return earlier == key ? nil : earlier
        }
        if let lose { try? await inner.delete(key: lose) }
        return info
    }

    func delete(key: String) async throws(ObjectStoreError) {
        try await inner.delete(key: key)
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        try await inner.list(prefix: prefix)
    }
}

/// Two puts, one after the other, on a remote that loses the first.
func lostObjectHistory() -> History {
    History(seed: 1, configuration: SimulationConfiguration(concurrency: 1), faults: [],
            steps: [.put(key: SimKey(sst: 0, type: .parquet), size: 3000), .put(key: SimKey(sst: 1, type: .parquet), size: 2000),
                    .read(key: SimKey(sst: 0, type: .parquet), offset: 0, length: 100)])
}

@Test func theCheckerCatchesAnAcknowledgedObjectThatIsGone() async throws {
    let simulator = Simulator(wrapRemote: { ForgetfulStore(wrapping: $0) })
    let history = lostObjectHistory()
    let report = try await simulator.replay(history)
    let violation = try #require(report.violations.first, "a lost acknowledged object must be a violation")
    #expect(violation.check == .acknowledgedOnRemote, "\(report.violations)")
    // The shrunk history keeps the violation and drops what does not matter (the read).
    let shrunk = await Shrinker(budget: 20, tries: 1, simulator: simulator).shrink(history, violation: violation)
    #expect(shrunk.steps.count == 2, "\(shrunk.steps)")
}

@Test func aReplayOfAWrittenHistoryFindsTheSameViolation() async throws {
    let simulator = Simulator(wrapRemote: { ForgetfulStore(wrapping: $0) })
    let history = lostObjectHistory()
    let path = NSTemporaryDirectory() + "flushbench-replay-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try history.write(to: path)
    let first = try await simulator.replay(history)
    let again = try await simulator.replay(History.load(path: path))
    #expect(!first.violations.isEmpty)
    #expect(first.violations.map(\.check) == again.violations.map(\.check))
}

@Test func aReadOfAKeyNeverWrittenFailsAndIsNoViolation() async throws {
    let history = History(seed: 3, configuration: SimulationConfiguration(concurrency: 2), faults: [],
                          steps: [.read(key: SimKey(sst: 9, type: .parquet), offset: 0, length: 10),
                                  .download(key: SimKey(sst: 9, type: .puffin))])
    let report = try await Simulator().replay(history)
    #expect(report.isClean, "\(report.violations)")
    #expect(report.failedByKind["read"] == 1)
    #expect(report.failedByKind["download"] == 1)
}

@Test func aRemoveDuringAnUploadNeverFailsTheFlush() async throws {
    // Issue 10 item 3: on the old cache `remove` unlinked a file pinned by an upload and about
    // one history in ten failed a flush with no fault.
    var configuration = baseCleanConfiguration
    configuration.enabledOperations = [.put, .flush, .remove, .read]
    let (summary, failures) = try await Sweep(configuration: configuration, shrink: false).run(seeds: 1...20)
    #expect(failures.isEmpty, "\(summary.text())")
}

@Test func capacityIsAHardBoundWhenOnlyPinnedFilesCouldBeEvicted() async throws {
    // Eight flushes in flight pin more than the capacity: a reservation that only evicting
    // pinned files could meet waits, then fails with a `capacity` error; usage never passes the
    // capacity (checked after every step, peak included).
    var configuration = baseCleanConfiguration
    configuration.concurrency = 8
    configuration.capacity = 10 << 10
    let (summary, failures) = try await Sweep(configuration: configuration, shrink: false).run(seeds: 1...12)
    #expect(failures.isEmpty, "\(summary.text())")
    #expect((summary.failedByCode["capacity"] ?? 0) > 0, "the sweep must reach the capacity wait: \(summary.text())")
}

/// A remote that lists an incomplete upload nobody started: what a skipped abort leaves.
final class LeftoverUploadStore: ObjectStore {
    let kind = "leftover"
    let inner: any ObjectStore

    init(wrapping inner: any ObjectStore) {
        self.inner = inner
    }

    func makeWriter(key: String, options: WriteOptions) async throws(ObjectStoreError) -> any ObjectWriter {
        try await inner.makeWriter(key: key, options: options)
    }

    func read(key: String, range: Range<UInt64>) async throws(ObjectStoreError) -> [UInt8] {
        try await inner.read(key: key, range: range)
    }

    func stat(key: String) async throws(ObjectStoreError) -> ObjectInfo {
        try await inner.stat(key: key)
    }

    func delete(key: String) async throws(ObjectStoreError) {
        try await inner.delete(key: key)
    }

    func list(prefix: String) async throws(ObjectStoreError) -> [ObjectInfo] {
        try await inner.list(prefix: prefix)
    }

    func incompleteUploads(prefix: String) async throws(ObjectStoreError) -> [IncompleteUpload] {
        [IncompleteUpload(key: "1/leftover.parquet", uploadID: "never-aborted")].filter { $0.key.hasPrefix(prefix) }
    }
}

@Test func theCheckerCatchesAnIncompleteUploadNobodyRecorded() async throws {
    let simulator = Simulator(wrapRemote: { LeftoverUploadStore(wrapping: $0) })
    let history = History(seed: 1, configuration: SimulationConfiguration(concurrency: 1), faults: [],
                          steps: [.put(key: SimKey(sst: 0, type: .parquet), size: 100)])
    let report = try await simulator.replay(history)
    #expect(report.violations.map(\.check) == [.incompleteUploadsKnown], "\(report.violations)")
}

@Test func aFailedAbortIsRecordedAsAKnownOrphanWithItsUploadID() async throws {
    // Every write is cut and every first abort fails: the cache must record each upload it
    // could not abort (with its id), so the incomplete-upload check stays clean.
    let faults = [FaultRule(operation: .write, fault: .partial(.afterBytes(100), error: InjectedError(code: .internalError)), nth: [1]),
                  FaultRule(operation: .abort, fault: .error(InjectedError(code: .internalError)), nth: [1])]
    let history = History(seed: 5, configuration: SimulationConfiguration(concurrency: 1), faults: faults,
                          steps: [.put(key: SimKey(sst: 0, type: .parquet), size: 3000), .read(key: SimKey(sst: 0, type: .parquet), offset: 0, length: 10)])
    let report = try await Simulator().replay(history)
    #expect(report.isClean, "\(report.violations)")
    #expect(report.faultsByKind["error"] ?? 0 >= 1 && report.faultsByKind["partial"] ?? 0 >= 1, "\(report.faultsByKind)")
}

@Test func aFaultFileIsReadWithTheScenarioDecodersErrors() throws {
    let rules = try FaultFile.decode(Data(#"[{"op": "read", "kind": "corrupt"}, {"op": "abort", "kind": "error", "error": "SlowDown"}]"#.utf8), name: "f.json")
    #expect(rules.count == 2)
    for (json, expected) in [(#"[{"op": "read", "kind": "corrupt", "probability": 2}]"#, "faults[0].probability"),
                             (#"[{"op": "write", "kind": "crash"}]"#, "faults[0].kind"),
                             (#"{"op": "write"}"#, "f.json")] {
        do {
            _ = try FaultFile.decode(Data(json.utf8), name: "f.json")
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.code == .badInput)
            #expect(error.message.contains(expected) && error.message.contains("f.json"), "\(error.message)")
        }
    }
}

@Test func aKnownOrphanIsNeverDownloadedNorAcknowledgedByAnUploadAgain() async throws {
    // Found by the sweep (seed 105): a torn put whose clean-up delete was denied left a torn
    // object, a known orphan; a download cached it and an upload again acknowledged it with
    // the torn size. The cache now refuses to download a known orphan.
    let key = SimKey(sst: 0, type: .parquet)
    let faults = [FaultRule(operation: .write, fault: .torn(.afterFraction(0.5)), nth: [1, 2, 3]),
                  FaultRule(operation: .delete, fault: .error(InjectedError(code: .accessDenied)))]
    let history = History(seed: 2, configuration: SimulationConfiguration(concurrency: 1), faults: faults,
                          steps: [.put(key: key, size: 3000), .download(key: key), .upload(key: key), .read(key: key, offset: 0, length: 100)])
    let report = try await Simulator().replay(history)
    #expect(report.isClean, "\(report.violations)")
    #expect(report.failedByKind["put"] == 1 && report.failedByKind["download"] == 1, "\(report.failedByKind)")
}

@Test func aConcurrentHistoryReplaysItsViolationNineTimesInTen() async throws {
    // The seeded serial executor, seeded jitter and inline file layer make a concurrent run
    // repeat itself: a violation found once is found again on replay (issue 12 asks 9 in 10).
    let simulator = Simulator(wrapRemote: { ForgetfulStore(wrapping: $0) })
    let history = History.generate(seed: 11, configuration: SimulationConfiguration(operations: 200, concurrency: 4))
    let first = try await simulator.replay(history)
    let violation = try #require(first.violations.first, "the planted remote loses an acknowledged object")
    var same = 0
    for _ in 0..<10 {
        let again = try await simulator.replay(history)
        if again.violations.first == violation { same += 1 }
    }
    #expect(same >= 9, "\(same) of 10 replays found \(violation)")
}

@Test func aCleanConcurrentHistoryRunsTheSameWayEachTime() async throws {
    let history = History.generate(seed: 12, configuration: SimulationConfiguration(operations: 300, concurrency: 4))
    var reports: [SimulationReport] = []
    for _ in 0..<3 { reports.append(try await Simulator().replay(history)) }
    #expect(reports.allSatisfy { $0.isClean }, "\(reports.map(\.violations))")
    #expect(Set(reports.map(\.checksRun)).count == 1, "\(reports.map(\.checksRun))")
    #expect(reports.allSatisfy { $0.failedByCode == reports[0].failedByCode && $0.faultsByKind == reports[0].faultsByKind })
}
