import Foundation
import Platform
import Testing
@testable import WriteCache

/// Whether this process still holds a descriptor open on `path` (deleted or not).
func descriptorIsOpen(on path: String) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return entries.contains { entry in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry) else { return false }
        return target == path || target == path + " (deleted)"
    }
}

@Suite("CacheFileWriter clean-up in cancelled tasks")
struct CacheFileWriterCancellationTests {
    @Test("a commit in a cancelled task reports cancelled, closes its descriptor and leaves no temp file")
    func cancelledCommitCleansUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir)
        defer { cache.close() }
        let fileKey = key(1)
        let writer = try await cache.makeWriter(for: fileKey)
        try await writer.write(pattern(4096))
        let temporary = writer.temporaryPath
        #expect(descriptorIsOpen(on: temporary))
        let outcome = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await Result { () async throws(WriteCacheError) -> UInt64 in try await writer.commit() }
        }.value
        #expect(throws: WriteCacheError.self) { try outcome.get() }
        if case let .failure(error) = outcome { #expect(error.code == .cancelled, "\(error)") }
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(!descriptorIsOpen(on: temporary), "the temp file's descriptor leaked")
        #expect(!cache.contains(fileKey))
        #expect(cache.statistics().reservedBytes == 0)
        #expect(cache.statistics().committedBytes == 0)
    }

    @Test("an abort in a cancelled task closes the descriptor and removes the temp file")
    func cancelledAbortCleansUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cache = try await openCache(dir)
        defer { cache.close() }
        let writer = try await cache.makeWriter(for: key(2))
        try await writer.write(pattern(4096))
        let temporary = writer.temporaryPath
        await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await writer.abort()
        }.value
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(!descriptorIsOpen(on: temporary))
    }
}

extension Result where Failure == WriteCacheError {
    /// The result of `body`, caught.
    init(catching body: () async throws(WriteCacheError) -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
