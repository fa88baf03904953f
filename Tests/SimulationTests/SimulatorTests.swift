import FaultInjection
import Foundation
import ObjectStore
import Testing
import WriteCache
@testable import Simulation

/// Histories the cache on this base handles correctly, with every store fault kind: every
/// operation but `upload` again (whose failure deletes acknowledged objects and leaves known
/// orphans naming them: issue 10 items 1 and 2) and `remove` (which unlinks files pinned by an
/// upload in flight, so the flush fails with no fault: item 3). The known-issue tests below show
/// the checker finding each; once the cache branch is merged, these operations join the sweep.
let baseCleanConfiguration = SimulationConfiguration(
    operations: 150, concurrency: 4,
    enabledOperations: Set(SimulationConfiguration.Operation.allCases).subtracting([.upload, .remove]))

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
    let report = try await Simulator().replay(reuploadHistory(failDelete: false))
    // The checker finds the defect on this base; when the cache branch's fix is merged this
    // known issue stops occurring and the test must be changed into a plain expectation.
    withKnownIssue("issue 10 item 1: a failed re-upload deletes the acknowledged object") {
        #expect(report.isClean, "\(report.violations)")
    }
    #expect(report.violations.allSatisfy { $0.check == .acknowledgedOnRemote })
}

@Test func knownOrphansNeverNameAcknowledgedObjects() async throws {
    let report = try await Simulator().replay(reuploadHistory(failDelete: true))
    withKnownIssue("issue 10 item 2: a failed re-upload records the acknowledged key as a known orphan") {
        #expect(report.isClean, "\(report.violations)")
    }
    #expect(report.violations.allSatisfy { $0.check == .knownOrphanNotAcknowledged })
}

@Test func theCheckerCatchesAnAcknowledgedObjectThatIsGone() async throws {
    // Proof the checker sees what it must, independent of the cache's defects: the history above
    // finds the lost object on this base, and its shrunk form keeps the violation.
    let history = reuploadHistory(failDelete: false)
    let report = try await Simulator().replay(history)
    if let violation = report.violations.first(where: { $0.check == .acknowledgedOnRemote }) {
        let shrunk = await Shrinker(budget: 20, tries: 1).shrink(history, violation: violation)
        #expect(shrunk.steps.count == 2, "\(shrunk.steps)")
        #expect(shrunk.steps.allSatisfy { if case .read = $0 { false } else { true } })
    }
}

@Test func aReplayOfAWrittenHistoryFindsTheSameViolation() async throws {
    let history = reuploadHistory(failDelete: false)
    let path = NSTemporaryDirectory() + "flushbench-replay-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try history.write(to: path)
    let first = try await Simulator().replay(history)
    let again = try await Simulator().replay(History.load(path: path))
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
    var configuration = baseCleanConfiguration
    configuration.enabledOperations.insert(.remove)
    let (summary, _) = try await Sweep(configuration: configuration, shrink: false).run(seeds: 1...20)
    // On this base `remove` unlinks a pinned file, and the flush uploading it fails with no fault
    // (issue 10 item 3); about one history in ten meets it, so the issue is intermittent here.
    withKnownIssue("issue 10 item 3: remove unlinks a file pinned by an upload", isIntermittent: true) {
        #expect(summary.failures.isEmpty, "\(summary.text())")
    }
    #expect(summary.failures.allSatisfy { [.writeFailsOnlyForACause, .readFailsOnlyForACause].contains($0.violation.check) },
            "\(summary.text())")
}

@Test func capacityIsAHardBoundWhenOnlyPinnedFilesCouldBeEvicted() async throws {
    var configuration = baseCleanConfiguration
    configuration.concurrency = 8
    let (summary, _) = try await Sweep(configuration: configuration, shrink: false).run(seeds: 1...12)
    // Eight flushes in flight pin more than the capacity; this base then lets the cache grow past
    // it instead of making the reservation wait and fail with a capacity error (issue 12).
    withKnownIssue("capacity overshoot when every eviction victim is pinned", isIntermittent: true) {
        #expect(summary.failures.isEmpty, "\(summary.text())")
    }
    // Anything else found here is a new defect (a planted eviction of pinned files shows as a
    // failed flush).
    #expect(summary.failures.allSatisfy { $0.violation.check == .capacity }, "\(summary.text())")
}
