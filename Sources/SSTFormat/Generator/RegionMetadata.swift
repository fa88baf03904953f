import Foundation

extension FlushDataSpec {
    /// The region metadata of the flush as JSON, stored in the Parquet footer under
    /// ``SSTFileProducer/regionMetadataKey`` (the shape of GreptimeDB's `RegionMetadata`: column
    /// metadata with semantic types and ids, the primary key, the region id).
    public func regionMetadataJSON() -> String {
        // The internal columns are not part of the region's user schema.
        let internalNames: Set<String> = [Self.sequenceColumn, Self.opTypeColumn]
        var columns: [[String: Any]] = []
        for (id, column) in schema.enumerated() where !internalNames.contains(column.name) {
            let semantic: String
            if tags.contains(where: { $0.name == column.name }) {
                semantic = "Tag"
            } else if column.name == Self.timestampColumn {
                semantic = "Timestamp"
            } else {
                semantic = "Field"
            }
            let dataType: String
            switch column.kind {
            case .string: dataType = "String"
            case .timestampMillis: dataType = "TimestampMillisecond"
            case .int64: dataType = "Int64"
            case .uint64: dataType = "UInt64"
            case .uint8: dataType = "UInt8"
            case .double: dataType = "Float64"
            }
            columns.append([
                "column_id": id,
                "semantic_type": semantic,
                "column_schema": ["name": column.name, "data_type": dataType, "is_nullable": column.nullable],
            ])
        }
        let document: [String: Any] = [
            "column_metadatas": columns,
            "primary_key": Array(0..<tags.count),
            "region_id": regionID,
            "schema_version": 0,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
