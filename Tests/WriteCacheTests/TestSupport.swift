import Foundation
import ObjectStore
import Platform
import SSTFormat
import Synchronization
import Testing
@testable import WriteCache

/// A fresh temp directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = try LocalFiles.makeTemporaryDirectory(prefix: "flushbench-writecache-test")
    }

    func remove() {
        try? LocalFiles.removeTree(path)
    }

    /// Names of the entries of `subpath` (sorted); empty when it does not exist.
    func list(_ subpath: String = "") -> [String] {
        ((try? LocalFiles.listDirectory(subpath.isEmpty ? path : path + "/" + subpath)) ?? []).sorted()
    }
}

/// Deterministic bytes of `count` length.
func pattern(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

func key(_ region: UInt64 = 1, _ type: FileType = .parquet, id: UUID = UUID()) -> FileKey {
    FileKey(region: region, fileID: id, type: type)
}

/// An SST producer for tests: writes given bytes in chunks, optionally failing part-way.
struct BytesProducer: SSTProducer {
    var data: [UInt8]
    var index: [UInt8] = []
    var chunkSize = 64 << 10
    var failAfterBytes: Int?

    struct Failure: Error {}

    func produce(data dataSink: any ByteSink, index indexSink: any ByteSink) async throws -> SSTSummary {
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunkSize, data.count)
            if let failAfterBytes, end > failAfterBytes { throw Failure() }
            try await dataSink.write(Array(data[offset..<end]))
            offset = end
        }
        if !index.isEmpty { try await indexSink.write(index) }
        return SSTSummary(rows: UInt64(data.count / 8), metadata: ["test": "yes"])
    }
}

/// Opens a file cache with a manual clock in `directory/cache`.
func openCache(_ directory: TemporaryDirectory, capacity: UInt64 = 1 << 30, ttl: Duration? = nil,
               clock: ManualTimeSource = ManualTimeSource()) async throws -> FileCache {
    try await FileCache.open(FileCacheConfiguration(directory: directory.path + "/cache", capacity: capacity,
                                                    timeToIdle: ttl, timeSource: clock))
}

/// `body`'s result, or `nil` if it has not finished after `limit` of real time.
///
/// A safety net for tests of promptness on code that would otherwise hang: a passing test
/// returns as soon as `body` does and never waits for the limit. `body` runs in its own task,
/// so a body that never finishes does not hold the test up past the limit.
func finishing<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    let race = FirstOutcome<T?>()
    return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        race.install(continuation)
        let timer = Task {
            try? await Task.sleep(for: limit)
            race.resume(with: nil)
        }
        Task {
            race.resume(with: await body())
            timer.cancel()
        }
    }
}

/// A continuation resumed by whichever outcome comes first; later ones are dropped.
final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func install(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(with value: T) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}

/// `size` bytes that recovery takes for a whole file of `type`: the magic first and last, and a
/// footer length (0) that fits (`PAR1…len PAR1`, or `PFA1…PFA1 len flags PFA1`).
func wholeFile(_ type: FileType, size: Int) -> [UInt8] {
    let magic = Array((type == .parquet ? "PAR1" : "PFA1").utf8)
    let trailer: [UInt8] = type == .parquet ? [0, 0, 0, 0] + magic : magic + [0, 0, 0, 0, 0, 0, 0, 0] + magic
    return magic + pattern(size - magic.count - trailer.count) + trailer
}
