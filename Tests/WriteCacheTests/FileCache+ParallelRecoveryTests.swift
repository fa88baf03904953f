import Foundation
import Platform
import Testing
@testable import WriteCache

@Suite("FileCache recovery across several validation chunks")
struct FileCacheParallelRecoveryTests {
    @Test("every whole file is indexed with its size, torn ones removed and counted, links and directories left as foreign, on disk and in memory",
          arguments: ["posix", "memory"])
    func recoversEveryChunk(layer: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fs: any FileSystem = layer == "memory" ? InMemoryFileSystem() : PosixFileSystem()
        let cacheDirectory = layer == "memory" ? "/cache" : dir.path + "/cache"
        try fs.createDirectories(cacheDirectory + "/tmp")
        let count = FileCache.validationChunk * 2 + 300
        var whole: [FileKey: UInt64] = [:]
        for index in 0..<count {
            let type: FileType = index % 2 == 0 ? .parquet : .puffin
            let key = FileKey(region: UInt64(index % 7), fileID: UUID(), type: type)
            var bytes = wholeFile(type, size: 40 + index % 50)
            if index % 97 == 0 { bytes.removeLast() } else { whole[key] = UInt64(bytes.count) }
            let file = try fs.createExclusive(cacheDirectory + "/" + key.fileName)
            try fs.write(file, bytes, at: 0)
            fs.close(file)
        }
        try fs.createDirectories(cacheDirectory + "/1.not-a-key.parquet")
        if layer == "posix" { try FileManager.default.createSymbolicLink(atPath: cacheDirectory + "/link", withDestinationPath: "/etc/hostname") }
        let cache = try await FileCache.open(FileCacheConfiguration(directory: cacheDirectory, fileSystem: fs))
        defer { cache.close() }
        #expect(cache.snapshot() == whole)
        #expect(cache.recovery.removedTorn == count - whole.count)
        #expect(cache.recovery.foreignNames == (layer == "posix" ? ["1.not-a-key.parquet", "link"] : ["1.not-a-key.parquet"]))
    }
}
