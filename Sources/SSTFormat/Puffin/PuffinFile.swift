/// Where one blob of a Puffin file lies and what it holds (`BlobMetadata` of the spec).
public struct PuffinBlobMetadata: Sendable, Codable, Equatable {
    /// The blob type (`greptime-bloom-filter-v1` for the tag indexes here).
    public var type: String
    /// Ids of the columns the blob was computed for.
    public var fields: [Int32]
    /// Snapshot id (not used by SSTs: 0).
    public var snapshotID: Int64
    /// Sequence number (not used by SSTs: 0).
    public var sequenceNumber: Int64
    /// File offset of the blob's first byte.
    public var offset: Int64
    /// Bytes of the blob as stored.
    public var length: Int64
    /// Compression codec (`lz4`, `zstd`); `nil` for uncompressed.
    public var compressionCodec: String?
    /// Free-form properties of the blob.
    public var properties: [String: String]?

    public init(type: String, fields: [Int32], snapshotID: Int64 = 0, sequenceNumber: Int64 = 0, offset: Int64, length: Int64,
                compressionCodec: String? = nil, properties: [String: String]? = nil) {
        self.type = type
        self.fields = fields
        self.snapshotID = snapshotID
        self.sequenceNumber = sequenceNumber
        self.offset = offset
        self.length = length
        self.compressionCodec = compressionCodec
        self.properties = properties
    }

    enum CodingKeys: String, CodingKey {
        case type, fields, offset, length, properties
        case snapshotID = "snapshot-id"
        case sequenceNumber = "sequence-number"
        case compressionCodec = "compression-codec"
    }
}

/// A Puffin file's footer payload (`FileMetadata` of the spec): its blobs and properties.
public struct PuffinFileMetadata: Sendable, Codable, Equatable {
    /// The blobs, in file order.
    public var blobs: [PuffinBlobMetadata]
    /// Free-form properties of the file (`created-by`).
    public var properties: [String: String]?

    public init(blobs: [PuffinBlobMetadata], properties: [String: String]? = nil) {
        self.blobs = blobs
        self.properties = properties
    }
}

/// Constants of the Puffin layout: `Magic Blob* Magic FooterPayload PayloadSize Flags Magic`.
enum Puffin {
    /// `PFA1`.
    static let magic: [UInt8] = [0x50, 0x46, 0x41, 0x31]
    /// Bytes after the payload: its size (4), the flags (4) and the magic (4).
    static let trailerLength = 12
    /// Flag bit 0 of byte 0: the footer payload is LZ4-compressed.
    static let payloadCompressedFlag: UInt8 = 1
}
