import Foundation
import Harness
import SSTFormat
import Testing

@Suite("SSTEncodingBenchmark worker")
struct SSTEncodingBenchmarkWorkerTests {
    @Test("one timed encode writes a whole Parquet file of the benchmark table and reports its size")
    func encodeOnceWritesTheTable() async throws {
        let dir = NSTemporaryDirectory() + "sst-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.parquet"
        let result = try await SSTEncodingBenchmark.encodeOnce(rows: 20_000, rowGroupSize: 8192, seed: 3, output: path)
        #expect(result.rows == 20_000)
        #expect(result.seconds > 0)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size.map(UInt64.init) == result.bytes)
        let footer = try await ParquetFooterReader.read(path: path)
        #expect(footer.numRows == 20_000)
        #expect(footer.rowGroups.map(\.numRows) == [8192, 8192, 3616])
        #expect(footer.leafColumns.map(\.name) == ["host", "ts", "cpu", "memory", "__sequence", "__op_type"])
    }

    @Test("zstd pages when a level is given")
    func encodeOnceWithZstd() async throws {
        let dir = NSTemporaryDirectory() + "sst-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = try await SSTEncodingBenchmark.encodeOnce(rows: 20_000, rowGroupSize: 8192, seed: 3, output: dir + "/p.parquet")
        let packed = try await SSTEncodingBenchmark.encodeOnce(rows: 20_000, rowGroupSize: 8192, seed: 3, zstdLevel: 3, output: dir + "/z.parquet")
        let footer = try await ParquetFooterReader.read(path: dir + "/z.parquet")
        #expect(footer.rowGroups.flatMap(\.columns).allSatisfy { $0.codec == 6 })
        #expect(packed.bytes < plain.bytes)
    }

    @Test("a sink that is never written creates no file")
    func sinkWithoutWritesLeavesNoFile() throws {
        let path = NSTemporaryDirectory() + "sst-bench-\(UUID().uuidString).parquet"
        let sink = LocalFileSink(path: path)
        sink.close()
        #expect(sink.bytesWritten == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
