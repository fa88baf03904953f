import Foundation
import Platform
import SSTFormat
import Testing

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "sstformat-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// What the pyarrow checker reports about one Parquet file (see `Resources/pyarrow_check.py`).
struct PyarrowReport: Decodable {
    struct SchemaColumn: Decodable {
        var name: String
        var physical_type: String
        var logical_type: String
        var converted_type: String
        var max_definition_level: Int
    }

    struct Chunk: Decodable {
        var path: String
        var num_values: Int
        var encodings: [String]
        var compression: String
        var data_page_offset: Int
        var dictionary_page_offset: Int?
        var total_compressed_size: Int
        var total_uncompressed_size: Int
        var has_statistics: Bool
        var has_min_max: Bool
        var null_count: Int?
        var min: String?
        var max: String?
        var computed_null_count: Int
        var stats_match: Bool
    }

    struct RowGroup: Decodable {
        var num_rows: Int
        var total_byte_size: Int
        var columns: [Chunk]
    }

    var num_rows: Int
    var num_row_groups: Int
    var created_by: String
    var metadata: [String: String]
    var schema: [SchemaColumn]
    var arrow_types: [String: String]
    var values_equal: [String: Bool]
    var first_mismatch: [String: String]
    var row_groups: [RowGroup]
}

/// Runs the pyarrow checker on `parquet`, comparing it with the raw columns in `rawDirectory`.
///
/// The child is waited for on the blocking-I/O pool, never on a cooperative thread.
func runPyarrowCheck(parquet: String, rawDirectory: String) async throws -> PyarrowReport {
    try await BlockingIO.run { try runPyarrowCheckBlocking(parquet: parquet, rawDirectory: rawDirectory) }
}

private func runPyarrowCheckBlocking(parquet: String, rawDirectory: String) throws -> PyarrowReport {
    guard let script = Bundle.module.path(forResource: "pyarrow_check", ofType: "py") else {
        throw CheckerError(message: "pyarrow_check.py is missing from the test bundle")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, parquet, rawDirectory]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CheckerError(message: "pyarrow_check.py exited \(process.terminationStatus) (run `make setup` for pyarrow): \(errorText)")
    }
    return try JSONDecoder().decode(PyarrowReport.self, from: data)
}

struct CheckerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Exports `generator`'s whole flush as raw columns for the checker.
///
/// The rows are generated on the blocking-I/O pool: a million rows take a while in a debug
/// build, and the cooperative threads stay free for the other targets' timing tests.
func exportRaw(_ generator: FlushDataGenerator, to directory: String) async throws {
    let batch = try await BlockingIO.run { generator.batch(0..<generator.spec.rows) }
    try await batch.exportRawColumns(schema: generator.schema, to: directory)
}

/// Writes `generator`'s rows with a ``ParquetWriter`` (one batch per row group) into `path`.
func writeParquet(_ generator: FlushDataGenerator, rowGroupSize: Int, path: String, metadata: [String: String] = [:],
                  compression: ParquetCompression = .uncompressed) async throws -> (ParquetFileMetadata, FileByteSink) {
    let sink = FileByteSink(path: path)
    var writer = try ParquetWriter(schema: generator.schema, sink: sink,
                                   options: ParquetWriterOptions(rowGroupSize: rowGroupSize, keyValueMetadata: metadata, compression: compression))
    var start = 0
    while start < generator.spec.rows {
        let end = min(generator.spec.rows, start + rowGroupSize)
        let range = start..<end
        try await writer.write(try await BlockingIO.run { generator.batch(range) })
        start = end
    }
    let result = try await writer.finish()
    sink.close()
    return (result, sink)
}

/// Every SSTFormat suite, one test at a time: the tests encode millions of values and start
/// Python processes, and running them side by side would take both cooperative threads of a
/// two-core machine from the other targets' timing-sensitive tests.
@Suite("SSTFormat", .serialized)
struct SSTFormatSuite {}
