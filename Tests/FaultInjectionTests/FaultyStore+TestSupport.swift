import FaultInjection
import Foundation
import ObjectStore
import Platform
import Synchronization
import Testing

/// The stores the fault layer is tested in front of.
enum BackingStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, fs

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind`; a file-system store's directory is removed after.
func withBackingStore<T>(_ kind: BackingStore, _ body: (any ObjectStore) async throws -> T) async throws -> T {
    switch kind {
    case .memory:
        return try await body(MemoryStore())
    case .fs:
        let root = try LocalFiles.makeTemporaryDirectory(prefix: "faults-test")
        let result: Result<T, any Error>
        do {
            let store = try await FileSystemStore.open(root: root)
            result = .success(try await body(store))
        } catch {
            result = .failure(error)
        }
        try await BlockingIO.run { try LocalFiles.removeTree(root) }
        return try result.get()
    }
}

/// Decodes a scenario's `faults` array.
func rules(_ json: String) throws -> [FaultRule] {
    try JSONDecoder().decode([FaultRule].self, from: Data(json.utf8))
}

/// A plan from a `faults` JSON array.
func plan(_ json: String, seed: UInt64 = 1) throws -> FaultPlan {
    try FaultPlan(seed: seed, rules: rules(json))
}

/// Crashes seen by a test's crash handler.
final class CrashRecorder: Sendable {
    private let seen = Mutex<[FaultRecord]>([])

    var records: [FaultRecord] { seen.withLock { $0 } }

    var handler: FaultyStore.CrashHandler {
        { record in self.seen.withLock { $0.append(record) } }
    }
}

/// A fault store on virtual time whose crashes are recorded instead of ending the process.
func faultyStore(
    over inner: any ObjectStore, _ json: String, seed: UInt64 = 1,
    time: ManualTimeSource = ManualTimeSource(), crashes: CrashRecorder = CrashRecorder()
) throws -> FaultyStore {
    FaultyStore(wrapping: inner, plan: try plan(json, seed: seed), timeSource: time,
                hangLimit: .seconds(30), crashHandler: crashes.handler)
}

/// `count` bytes of a recognisable pattern.
func pattern(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// The store error `body` throws, or `nil` when it succeeds.
/// Any other error fails the test.
func storeError<T>(_ body: () async throws -> T) async -> ObjectStoreError? {
    do {
        _ = try await body()
        return nil
    } catch let error as ObjectStoreError {
        return error
    } catch {
        Issue.record("expected an ObjectStoreError, got \(error)")
        return nil
    }
}

/// Files in a file-system store's temp directory (uploads in progress).
func temporaryFiles(of store: any ObjectStore) async throws -> [String] {
    guard let fs = store as? FileSystemStore else { return [] }
    let directory = fs.temporaryDirectory
    return try await BlockingIO.run { try LocalFiles.listDirectory(directory) }
}

/// Uploads that were started and neither committed nor aborted, for stores that can tell.
func openUploads(of store: any ObjectStore) async throws -> Int {
    if let memory = store as? MemoryStore { return memory.openWriterCount }
    return try await temporaryFiles(of: store).count
}
