import ObjectStore
import SSTFormat
import Synchronization

/// Wraps an SST producer so the runner learns exactly which bytes went into each file:
/// their count (the `encoded` counter) and SHA-256 (what the remote object must hold).
struct HashingProducer: SSTProducer {
    let inner: any SSTProducer
    let record: FileDigests

    func produce(data: any ByteSink, index: any ByteSink) async throws -> SSTSummary {
        let dataSink = HashingSink(inner: data)
        let indexSink = HashingSink(inner: index)
        let summary = try await inner.produce(data: dataSink, index: indexSink)
        record.set(data: dataSink.digest(), index: indexSink.digest())
        return summary
    }
}

/// Byte counts and checksums of one SST's files, filled by ``HashingProducer``.
final class FileDigests: Sendable {
    struct Digest: Sendable {
        var bytes: UInt64
        var checksum: Checksum
    }

    private let state = Mutex<(data: Digest?, index: Digest?)>((nil, nil))

    func set(data: Digest, index: Digest) {
        state.withLock { $0 = (data, index) }
    }

    var data: Digest? { state.withLock { $0.data } }
    var index: Digest? { state.withLock { $0.index } }
}

/// Forwards to a sink and hashes what passes.
final class HashingSink: ByteSink {
    private let inner: any ByteSink
    private let hasher = Mutex(SHA256Accumulator())
    private let count = Mutex<UInt64>(0)

    init(inner: any ByteSink) {
        self.inner = inner
    }

    var bytesWritten: UInt64 { inner.bytesWritten }

    func write(_ bytes: [UInt8]) async throws {
        try await inner.write(bytes)
        hasher.withLock { $0.update(bytes) }
        count.withLock { $0 += UInt64(bytes.count) }
    }

    func digest() -> FileDigests.Digest {
        FileDigests.Digest(bytes: count.withLock { $0 }, checksum: hasher.withLock { $0.finalize() })
    }
}
