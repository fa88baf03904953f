/// How a tag column's ``BloomFilter`` is stored as a Puffin blob.
///
/// The payload is the filter's words (little-endian); the blob's properties carry what a reader
/// needs to probe it: the column, bits, hashes, item count, the configured false-positive rate
/// and the hash function.
public enum BloomFilterBlob {
    /// The blob type.
    public static let type = "greptime-bloom-filter-v1"
    /// The hash function recorded in the properties.
    public static let hashName = "murmur64a-double-hashing"

    /// The properties of `filter`'s blob for `column` holding `items` distinct values.
    public static func properties(column: String, filter: BloomFilter, items: Int, falsePositiveRate: Double) -> [String: String] {
        [
            "column": column,
            "bits": String(filter.bitCount),
            "hashes": String(filter.hashCount),
            "items": String(items),
            "false-positive-rate": String(falsePositiveRate),
            "hash": hashName,
        ]
    }

    /// The column and filter of a blob read from a Puffin file.
    ///
    /// - Throws: ``SSTFormatError`` (`corrupt`) when the blob is not a bloom filter of this kind
    ///   or its properties do not match its payload.
    public static func decode(_ metadata: PuffinBlobMetadata, data: [UInt8]) throws(SSTFormatError) -> (column: String, filter: BloomFilter) {
        let properties = metadata.properties ?? [:]
        guard metadata.type == type, properties["hash"] == hashName,
              let column = properties["column"],
              let bits = properties["bits"].flatMap({ UInt64($0) }),
              let hashes = properties["hashes"].flatMap({ Int($0) }),
              UInt64(data.count) * 8 == bits else {
            throw SSTFormatError(code: .corrupt, operation: "decode bloom filter blob",
                                 message: "a '\(metadata.type)' blob of \(data.count) bytes is not a \(type) blob with matching properties")
        }
        return (column, try BloomFilter(bitCount: bits, hashCount: hashes, words: BloomFilter.words(from: data)))
    }
}
