public import Foundation

/// The kind of file an SST consists of.
public enum FileType: String, Sendable, Hashable, Codable, CaseIterable {
    /// The data file.
    case parquet
    /// The index file.
    case puffin
}

/// The key of one cached file: the region it belongs to, the SST's file id, and which of the
/// SST's files it is.
///
/// A region id is 64-bit (table id << 32 | region number). On disk the file is named
/// `{region}.{uuid}.{type}`; on the remote store, `{region}/{uuid}.{type}` under the store
/// prefix.
public struct FileKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The region (table id << 32 | region number).
    public var region: UInt64
    /// The SST's file id.
    public var fileID: UUID
    /// Data or index file.
    public var type: FileType

    public init(region: UInt64, fileID: UUID, type: FileType) {
        self.region = region
        self.fileID = fileID
        self.type = type
    }

    /// The file's name in the cache directory: `{region}.{uuid}.{type}`.
    public var fileName: String {
        "\(region).\(fileID.uuidString.lowercased()).\(type.rawValue)"
    }

    /// The object key on the remote store (before the store's own prefix).
    public var remoteKey: String {
        "\(region)/\(fileID.uuidString.lowercased()).\(type.rawValue)"
    }

    /// Parses a cache file name; `nil` unless it is exactly a name ``fileName`` produces:
    /// `{region}.{uuid}.{type}` with a canonical (lower-case) UUID.
    ///
    /// Only canonical names parse, so a parsed key's ``fileName`` is the very name parsed and
    /// its path is the file found: an upper-case variant is not the cache's file.
    public init?(fileName: String) {
        let parts = fileName.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let region = UInt64(parts[0]), String(region) == parts[0],
              parts[1].count == 36, let fileID = UUID(uuidString: String(parts[1])),
              fileID.uuidString.lowercased() == parts[1],
              let type = FileType(rawValue: String(parts[2])) else { return nil }
        self.init(region: region, fileID: fileID, type: type)
    }

    /// The key of the same SST's other file.
    public func with(type: FileType) -> FileKey {
        FileKey(region: region, fileID: fileID, type: type)
    }

    public var description: String { fileName }
}
