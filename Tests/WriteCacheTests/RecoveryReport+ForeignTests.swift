import Foundation
import Platform
import Testing
@testable import WriteCache

@Suite("Recovery reports what is not the cache's")
struct RecoveryReportForeignTests {
    @Test("foreign entries are counted and named in the recovery report")
    func foreignEntriesAreReported() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cacheDir = dir.path + "/cache"
        try LocalFiles.createDirectories(cacheDir + "/tmp")
        let foreign = try plantForeignEntries(cacheDir)
        let cache = try await openCache(dir)
        defer { cache.close() }
        #expect(cache.recovery.foreignEntries == foreign.count)
        #expect(cache.recovery.foreignNames == foreign)
        #expect(cache.recovery.removedUnreadable == 0)
    }

    @Test("a report of an older version, without the foreign fields, still decodes")
    func olderReportsDecode() throws {
        let json = #"{"recoveredFiles":3,"recoveredBytes":10,"removedUnparseable":1,"removedUnreadable":0,"removedTemporary":2,"evictedOverCapacity":0}"#
        let report = try JSONDecoder().decode(RecoveryReport.self, from: Data(json.utf8))
        #expect(report.recoveredFiles == 3 && report.removedTemporary == 2)
        #expect(report.foreignEntries == 0 && report.foreignNames.isEmpty)
    }
}
