import Foundation
import SSTFormat
import Synchronization
import WriteCache

/// How one cache operation ended.
struct OperationResult: Sendable {
    /// Bytes a read returned.
    var bytes: [UInt8]?
    /// Files an upload acknowledged.
    var acknowledged: [UploadedFile] = []
    /// Whether `downloadIfAbsent` reported a download.
    var downloaded = false
    /// The error, when it failed.
    var error: WriteCacheError?
}

/// Results of finished operations, handed from their tasks to the simulator.
final class Completions: Sendable {
    private let finished = Mutex<[(Int, OperationResult)]>([])
    private let events: SimulationEvents

    init(events: SimulationEvents) {
        self.events = events
    }

    func post(_ id: Int, _ result: OperationResult) {
        finished.withLock { $0.append((id, result)) }
        events.signal()
    }

    func take() -> [(Int, OperationResult)] {
        finished.withLock { finished in
            defer { finished.removeAll() }
            return finished
        }
    }
}

/// An SST producer that writes the simulation's deterministic bytes.
struct SimulatedProducer: SSTProducer {
    var data: [UInt8]
    var index: [UInt8]

    func produce(data sink: any ByteSink, index indexSink: any ByteSink) async throws -> SSTSummary {
        for chunk in stride(from: 0, to: data.count, by: 1000) {
            try await sink.write(Array(data[chunk..<min(chunk + 1000, data.count)]))
        }
        if !index.isEmpty { try await indexSink.write(index) }
        return SSTSummary(rows: UInt64(data.count))
    }
}

extension SimStep {
    /// The keys whose remote object this step may write (put, flush, upload).
    var writtenKeys: [SimKey] {
        switch self {
        case .put(let key, _), .upload(let key): [key]
        case .flush(let sst, _, _): [SimKey(sst: sst, type: .parquet), SimKey(sst: sst, type: .puffin)]
        default: []
        }
    }

    /// Runs the step's cache operation.
    func perform(on cache: WriteCache) async -> OperationResult {
        var result = OperationResult()
        do throws(WriteCacheError) {
            switch self {
            case .put(let key, let size):
                result.acknowledged = [try await cache.putAndUpload(key.fileKey, bytes: key.content(size: size))]
            case .flush(let sst, let dataSize, let indexSize):
                let data = SimKey(sst: sst, type: .parquet), index = SimKey(sst: sst, type: .puffin)
                let flush = Flush(region: data.fileKey.region, fileID: data.fileKey.fileID,
                                  producer: SimulatedProducer(data: data.content(size: dataSize), index: index.content(size: indexSize)))
                result.acknowledged = try await cache.writeAndUpload(flush).files
            case .upload(let key):
                result.acknowledged = [try await cache.upload(key.fileKey)]
            case .read(let key, let offset, let length):
                result.bytes = try await cache.read(key.fileKey, range: UInt64(offset)..<UInt64(offset + length))
            case .download(let key):
                result.downloaded = try await cache.downloadIfAbsent(key.fileKey)
            case .remove(let sst):
                let key = SimKey(sst: sst, type: .parquet).fileKey
                await cache.remove(region: key.region, fileID: key.fileID)
            case .advance, .cancel, .reopen:
                break
            }
        } catch {
            result.error = error
        }
        return result
    }
}
