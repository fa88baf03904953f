import Foundation

/// Writes a Puffin file into a ``ByteSink``: the magic, each blob as it is added, then the
/// JSON footer.
///
/// Blobs go to the sink as they are added, so the writer holds at most one blob. The footer
/// payload is uncompressed JSON (flags all zero), with keys as the Iceberg spec names them.
public struct PuffinWriter {
    private let sink: any ByteSink
    private var blobs: [PuffinBlobMetadata] = []
    private var offset: Int64 = 0
    private var finished = false

    /// A writer into `sink`.
    public init(sink: any ByteSink) {
        self.sink = sink
    }

    /// Appends a blob.
    ///
    /// - Parameters:
    ///   - data: the blob's bytes.
    ///   - type: the blob type.
    ///   - fields: ids of the columns it was computed for.
    ///   - properties: free-form properties of the blob.
    /// - Throws: any error of the sink, unchanged; ``SSTFormatError`` (`invalid_input`) after ``finish(properties:)``.
    public mutating func add(_ data: [UInt8], type: String, fields: [Int32], properties: [String: String] = [:]) async throws {
        guard !finished else {
            throw SSTFormatError(code: .invalidInput, operation: "add puffin blob", message: "the Puffin file was already finished")
        }
        if offset == 0 { try await emit(Puffin.magic) }
        blobs.append(PuffinBlobMetadata(type: type, fields: fields, offset: offset, length: Int64(data.count),
                                        properties: properties.isEmpty ? nil : properties))
        try await emit(data)
    }

    /// Writes the footer and returns the file's metadata.
    ///
    /// - Parameter properties: the file's properties (`created-by` is added when missing).
    /// - Throws: any error of the sink, unchanged; ``SSTFormatError`` when the footer cannot be encoded.
    @discardableResult
    public mutating func finish(properties: [String: String] = [:]) async throws -> PuffinFileMetadata {
        guard !finished else {
            throw SSTFormatError(code: .invalidInput, operation: "finish puffin file", message: "the Puffin file was already finished")
        }
        finished = true
        var fileProperties = properties
        if fileProperties["created-by"] == nil { fileProperties["created-by"] = "flushbench version 0.1.0" }
        let metadata = PuffinFileMetadata(blobs: blobs, properties: fileProperties)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload: [UInt8]
        do {
            payload = Array(try encoder.encode(metadata))
        } catch {
            throw SSTFormatError(code: .invalidInput, operation: "finish puffin file", message: "cannot encode the Puffin footer: \(error)")
        }
        guard payload.count <= Int(Int32.max) else {
            throw SSTFormatError(code: .limitExceeded, operation: "finish puffin file",
                                 message: "the Puffin footer is \(payload.count) bytes, over the 2 GiB limit")
        }
        var footer: [UInt8] = []
        if offset == 0 { footer += Puffin.magic }
        footer += Puffin.magic
        footer += payload
        footer.appendUInt32(UInt32(payload.count))
        footer += [0, 0, 0, 0]
        footer += Puffin.magic
        try await emit(footer)
        return metadata
    }

    private mutating func emit(_ bytes: [UInt8]) async throws {
        try await sink.write(bytes)
        offset += Int64(bytes.count)
    }
}
