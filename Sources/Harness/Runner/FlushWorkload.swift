import Foundation
import ObjectStore
import Platform
import SSTFormat
import Synchronization
import WriteCache

/// Replays a scenario's flushes against a write cache and records what happened.
struct FlushWorkload: Sendable {
    /// One planned flush.
    struct Planned: Sendable {
        var index: Int
        var region: UInt64
        var fileID: UUID
        var seed: UInt64
        /// When it is due, relative to the start (open loop); zero in a closed loop.
        var due: Duration
        /// Its rows, when a trace gives them (else the workload's `rowsPerFlush`).
        var rows: Int? = nil
    }

    /// What happened to the flushes.
    final class Record: Sendable {
        struct State {
            var succeeded = 0
            var failed = 0
            var empty = 0
            var encoded: UInt64 = 0
            var objects: [ObjectRecord] = []
            var failures: [FlushFailure] = []
            var failureCount: [String: Int] = [:]
            var acknowledged: [FileKey: String] = [:]
            var completions: [(at: Duration, bytes: UInt64)] = []
            var latencies: [Duration] = []
            /// When each flush ended and its latency (the report's latency over time, phases).
            var ends: [(at: ContinuousClock.Instant, latency: Duration)] = []
        }

        let state = Mutex(State())
    }

    let scenario: Scenario
    let seed: UInt64
    let cache: WriteCache
    /// Where acknowledged flushes are journalled (before they count), and the run's key layout.
    var journal: RunJournal?
    var keys: RunKeys?

    /// The flushes, deterministic from the seed: regions `(table 1024 << 32) | n`, file ids
    /// derived from the seed, so the same scenario writes the same keys (and meets the same faults).
    func plan() -> [Planned] {
        var generator = SplitMix64(seed: seed ^ 0x5CE7_A510)
        var due: Duration = .zero
        let workload = scenario.workload
        var flushes: [Planned] = []
        if case .trace(let trace) = workload.arrival {
            for (index, event) in trace.events.enumerated() {
                let idBits = (generator.next(), generator.next())
                flushes.append(Planned(index: index, region: (UInt64(1024) << 32) | UInt64(event.region),
                                       fileID: UUID(uuid: Self.uuidBytes(idBits.0, idBits.1)), seed: generator.next(), due: event.at,
                                       rows: event.rows))
            }
            return flushes
        }
        for index in 0..<workload.totalFlushes {
            let region = (UInt64(1024) << 32) | UInt64(workload.firstRegion + index % workload.regions)
            let idBits = (generator.next(), generator.next())
            let fileID = UUID(uuid: Self.uuidBytes(idBits.0, idBits.1))
            if case .rate(let rate, let poisson) = workload.arrival {
                let gap = poisson ? -log(1 - generator.nextUnit()) / rate : 1 / rate
                due += .nanoseconds(Int64(gap * 1e9))
            }
            flushes.append(Planned(index: index, region: region, fileID: fileID, seed: generator.next(), due: due))
        }
        return flushes
    }

    static func uuidBytes(_ high: UInt64, _ low: UInt64) -> uuid_t {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// Runs every flush: a closed loop keeps `concurrency` in flight; an open loop starts each at
    /// its due time and measures its latency from then (no coordinated omission).
    func run(record: Record, start: ContinuousClock.Instant) async {
        let flushes = plan()
        let width = scenario.workload.concurrency
        switch scenario.workload.arrival {
        case .closed:
            await BoundedConcurrency.forEachUntilCancelled(flushes, limit: width) { flush in
                await runOne(flush, record: record, start: start, due: nil)
            }
        case .rate, .trace:
            await withTaskGroup(of: Void.self) { group in
                for flush in flushes {
                    let wait = (start + flush.due) - ContinuousClock.now
                    if wait > .zero { try? await Task.sleep(for: wait) }
                    if Task.isCancelled { break }
                    group.addTask { await runOne(flush, record: record, start: start, due: flush.due) }
                }
            }
        }
    }

    private func runOne(_ flush: Planned, record: Record, start: ContinuousClock.Instant, due: Duration?) async {
        let began = due.map { start + $0 } ?? ContinuousClock.now
        let workload = scenario.workload
        let rows = flush.rows ?? workload.rowsPerFlush
        let spec = FlushDataSpec(seed: flush.seed, rows: rows,
                                 tags: [FlushDataSpec.Tag(name: "host", cardinality: workload.tagCardinality)],
                                 firstSequence: UInt64(flush.index) * UInt64(max(rows, workload.rowsPerFlush, 1)) + 1,
                                 regionID: flush.region)
        let digests = FileDigests()
        let producer = HashingProducer(
            inner: SSTFileProducer(spec: spec, options: SSTWriteOptions(rowGroupSize: workload.rowGroupSize, index: workload.index)),
            record: digests)
        do {
            let outcome = try await cache.writeAndUpload(Flush(region: flush.region, fileID: flush.fileID, producer: producer))
            if let problem = await journal(flush: flush.index, files: outcome.files, digests: digests) {
                record.state.withLock { state in
                    state.failed += 1
                    state.failureCount["journal", default: 0] += 1
                    state.failures.append(FlushFailure(flush: flush.index, region: flush.region, code: "journal", message: problem))
                }
                return
            }
            let finished = ContinuousClock.now
            record.state.withLock { state in
                state.encoded += (digests.data?.bytes ?? 0) + (digests.index?.bytes ?? 0)
                state.latencies.append(finished - began)
                state.ends.append((finished, finished - began))
                if outcome.files.isEmpty {
                    state.empty += 1
                    return
                }
                state.succeeded += 1
                var bytes: UInt64 = 0
                for file in outcome.files {
                    let digest = file.key.type == .parquet ? digests.data : digests.index
                    state.objects.append(ObjectRecord(key: file.remoteKey, bytes: file.size,
                                                      checksum: digest?.checksum.value ?? "",
                                                      rows: file.key.type == .parquet ? outcome.summary.rows : 0))
                    state.acknowledged[file.key] = digest?.checksum.value ?? ""
                    bytes += file.size
                }
                state.completions.append((finished - start, bytes))
            }
        } catch {
            let finished = ContinuousClock.now
            record.state.withLock { state in
                state.encoded += (digests.data?.bytes ?? 0) + (digests.index?.bytes ?? 0)
                state.latencies.append(finished - began)
                state.ends.append((finished, finished - began))
                state.failed += 1
                let code = error.storeError?.code.rawValue ?? error.code.rawValue
                state.failureCount[code, default: 0] += 1
                if state.failures.count < 50 {
                    state.failures.append(FlushFailure(flush: flush.index, region: flush.region, code: code, message: error.message))
                }
            }
        }
    }
}
