import Foundation
import Platform

extension SSTRecordBatch {
    /// Writes the batch as raw column files that other tools load without a Parquet reader.
    ///
    /// The pyarrow checks and the side-by-side benchmark use it so that pyarrow sees exactly the
    /// generator's values. Layout of `directory`: `columns.json` (`{"rows": N, "columns": [{"name",
    /// "kind", "nullable"}]}`), then per column `i`: `c<i>.values` (little-endian values; `uint8`
    /// as bytes) or, for strings, `c<i>.dict` (each entry a 4-byte length and its bytes) and
    /// `c<i>.indices` (4-byte indices); `c<i>.valid` (one byte per row, 1 = present) for columns
    /// that carry validity.
    ///
    /// - Throws: ``SSTFormatError`` (`io`) when a file cannot be written.
    public func exportRawColumns(schema: [SSTColumn], to directory: String) async throws {
        let batch = self
        try await BlockingIO.run {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let description: [String: Any] = [
                    "rows": batch.rowCount,
                    "columns": schema.map { ["name": $0.name, "kind": $0.kind.rawValue, "nullable": $0.nullable] },
                ]
                try JSONSerialization.data(withJSONObject: description, options: [.sortedKeys])
                    .write(to: URL(fileURLWithPath: "\(directory)/columns.json"))
                for (i, column) in batch.columns.enumerated() {
                    func save(_ bytes: [UInt8], _ suffix: String) throws {
                        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/c\(i).\(suffix)"))
                    }
                    func raw<T: BitwiseCopyable>(_ values: [T]) -> [UInt8] {
                        var out: [UInt8] = []
                        values.withUnsafeBufferPointer { out.appendRaw($0) }
                        return out
                    }
                    switch column.values {
                    case .strings(let strings):
                        var dictionary: [UInt8] = []
                        for value in strings.values {
                            dictionary.appendUInt32(UInt32(value.count))
                            dictionary.append(contentsOf: value)
                        }
                        try save(dictionary, "dict")
                        try save(raw(strings.indices), "indices")
                    case .int64(let values): try save(raw(values), "values")
                    case .uint64(let values): try save(raw(values), "values")
                    case .uint8(let values): try save(values, "values")
                    case .double(let values): try save(raw(values), "values")
                    }
                    if let validity = column.validity {
                        try save(validity.map { $0 ? 1 : 0 }, "valid")
                    }
                }
            } catch {
                throw SSTFormatError(code: .io, operation: "export raw columns", path: directory,
                                     message: "cannot write the raw columns under '\(directory)': \(error)")
            }
        }
    }
}
