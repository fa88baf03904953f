#if canImport(Glibc)
import Glibc
#endif
import FaultInjection
import Foundation
import ObjectStore
import Platform

/// What the fault layer costs when it injects nothing: the same writes and stats against a bare
/// `MemoryStore` and through a `FaultyStore` over one, interleaved round by round.
///
/// Three variants: the bare store; a ``FaultyStore`` with an empty plan (the goal: under 2%
/// slower); and one with a rule on every operation that never fires (probability 0), which
/// pays for counting attempts and hashing each decision.
public struct FaultOverheadBenchmark: Sendable {
    /// The work measured.
    public struct Configuration: Sendable {
        /// Bytes written per round (1 GiB).
        public var totalBytes: Int
        /// Size of each `write` call (8 MiB).
        public var chunkSize: Int
        /// Size of each object; objects are deleted after they are written, so memory stays bounded.
        public var objectSize: Int
        /// `stat` calls per round.
        public var stats: Int
        /// Rounds per variant; figures are medians.
        public var rounds: Int
        /// Run only this variant (`bare`, `empty plan`, `idle rules`), e.g. to count its
        /// instructions under a profiler; every variant when `nil`.
        public var onlyVariant: String?

        public init(totalBytes: Int = 1 << 30, chunkSize: Int = 8 << 20, objectSize: Int = 64 << 20, stats: Int = 100_000, rounds: Int = 9) {
            self.totalBytes = totalBytes
            self.chunkSize = chunkSize
            self.objectSize = objectSize
            self.stats = stats
            self.rounds = rounds
            self.onlyVariant = nil
        }
    }

    /// One variant's median figures.
    public struct Variant: Sendable, Codable {
        /// `bare`, `empty plan` or `idle rules`.
        public var name: String
        /// Median seconds to write ``Configuration/totalBytes``.
        public var writeSeconds: Double
        /// Write throughput in MiB/s.
        public var writeMiBps: Double
        /// Median seconds for ``Configuration/stats`` stats.
        public var statSeconds: Double
        /// Stats per second.
        public var statsPerSecond: Double
        /// Extra write time over the bare store, in percent.
        public var writeOverheadPercent: Double
        /// Extra stat time over the bare store, in percent.
        public var statOverheadPercent: Double
        /// Fastest round's write seconds (less sensitive to a busy machine than the median).
        public var fastestWriteSeconds: Double
        /// Fastest round's stat seconds.
        public var fastestStatSeconds: Double
        /// Extra write time of the fastest rounds over the bare store's fastest, in percent.
        public var fastestWriteOverheadPercent: Double
        /// Extra stat time of the fastest rounds over the bare store's fastest, in percent.
        public var fastestStatOverheadPercent: Double
        /// Extra process CPU time of the writes over the bare store's (medians), in percent:
        /// what the layer costs, little disturbed by other processes on a shared machine.
        public var writeCPUOverheadPercent: Double
        /// Extra process CPU time of the stats over the bare store's (medians), in percent.
        public var statCPUOverheadPercent: Double
    }

    /// The benchmark's result.
    public struct Report: Sendable, Codable {
        /// What was measured, in words.
        public var work: String
        /// Rounds per variant.
        public var rounds: Int
        /// The bare store first.
        public var variants: [Variant]

        /// The figures as a table.
        public func table() -> String {
            var lines = ["\(work) — medians of \(rounds) round(s)", ""]
            lines.append("overhead: wall-clock median (fastest round) [process CPU time]")
            lines.append("variant       write MiB/s  write overhead                      stats/s      stat overhead")
            for v in variants {
                lines.append(
                    Self.pad(v.name, 14) + Self.pad(String(format: "%.1f", v.writeMiBps), 13)
                    + Self.pad(String(format: "%+.2f%% (%+.2f%%) [%+.2f%%]", v.writeOverheadPercent, v.fastestWriteOverheadPercent,
                                      v.writeCPUOverheadPercent), 36)
                    + Self.pad(String(format: "%.0f", v.statsPerSecond), 13)
                    + String(format: "%+.2f%% (%+.2f%%) [%+.2f%%]", v.statOverheadPercent, v.fastestStatOverheadPercent,
                             v.statCPUOverheadPercent))
            }
            return lines.joined(separator: "\n")
        }

        private static func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Runs every variant `rounds` times, interleaved, and reports medians.
    ///
    /// - Errors: a store error, which would mean the memory store itself failed.
    public func run() async throws -> Report {
        let config = configuration
        let idleRules = ObjectStoreError.Operation.allCases.map {
            FaultRule(operation: FaultRule.OperationSelector(rawValue: $0.rawValue) ?? .any,
                      fault: .error(InjectedError(code: .internalError)), probability: 0)
        }
        let idlePlan = try FaultPlan(seed: 1, rules: idleRules)
        let every: [(String, @Sendable (MemoryStore) -> any ObjectStore)] = [
            ("bare", { $0 }),
            ("empty plan", { FaultyStore(wrapping: $0, plan: .empty) }),
            ("idle rules", { FaultyStore(wrapping: $0, plan: idlePlan) }),
        ]
        let variants = every.filter { config.onlyVariant == nil || $0.0 == config.onlyVariant }
        guard !variants.isEmpty else {
            throw FaultOverheadBenchmarkError(message: "unknown variant '\(config.onlyVariant ?? "")' (known: bare, empty plan, idle rules)")
        }
        var writeSeconds = Array(repeating: [Double](), count: variants.count)
        var statSeconds = Array(repeating: [Double](), count: variants.count)
        var writeCPU = Array(repeating: [Double](), count: variants.count)
        var statCPU = Array(repeating: [Double](), count: variants.count)
        let chunk = [UInt8](repeating: 0x5A, count: config.chunkSize)
        for round in 0..<config.rounds {
            // Alternate the order, so no variant always runs first (warm caches, fresh heap).
            let order = round % 2 == 0 ? Array(variants.indices) : variants.indices.reversed()
            for index in order {
                let variant = variants[index]
                let inner = MemoryStore()
                let store = variant.1(inner)
                let write = try await Self.timeWrites(store, chunk: chunk, config)
                writeSeconds[index].append(write.wall)
                writeCPU[index].append(write.cpu)
                let stat = try await Self.timeStats(store, config)
                statSeconds[index].append(stat.wall)
                statCPU[index].append(stat.cpu)
            }
        }
        let bareWrite = SideBySideReport.median(writeSeconds[0])
        let bareStat = SideBySideReport.median(statSeconds[0])
        let fastestBareWrite = writeSeconds[0].min() ?? 0
        let fastestBareStat = statSeconds[0].min() ?? 0
        let bareWriteCPU = SideBySideReport.median(writeCPU[0])
        let bareStatCPU = SideBySideReport.median(statCPU[0])
        let results = variants.indices.map { index in
            let write = SideBySideReport.median(writeSeconds[index])
            let stat = SideBySideReport.median(statSeconds[index])
            let fastestWrite = writeSeconds[index].min() ?? 0
            let fastestStat = statSeconds[index].min() ?? 0
            return Variant(
                name: variants[index].0,
                writeSeconds: write, writeMiBps: Double(config.totalBytes) / 1_048_576 / write,
                statSeconds: stat, statsPerSecond: Double(config.stats) / stat,
                writeOverheadPercent: (write - bareWrite) / bareWrite * 100,
                statOverheadPercent: (stat - bareStat) / bareStat * 100,
                fastestWriteSeconds: fastestWrite, fastestStatSeconds: fastestStat,
                fastestWriteOverheadPercent: (fastestWrite - fastestBareWrite) / fastestBareWrite * 100,
                fastestStatOverheadPercent: (fastestStat - fastestBareStat) / fastestBareStat * 100,
                writeCPUOverheadPercent: (SideBySideReport.median(writeCPU[index]) - bareWriteCPU) / bareWriteCPU * 100,
                statCPUOverheadPercent: (SideBySideReport.median(statCPU[index]) - bareStatCPU) / bareStatCPU * 100)
        }
        return Report(
            work: "MemoryStore: write \(config.totalBytes >> 20) MiB in \(config.chunkSize >> 20) MiB chunks, \(config.stats) stats; bare vs through FaultyStore",
            rounds: config.rounds, variants: results)
    }

    /// Wall-clock and process CPU seconds of one phase.
    struct Timing {
        var wall: Double
        var cpu: Double

        /// Times `body`.
        static func measure(_ body: () async throws -> Void) async rethrows -> Timing {
            let clock = ContinuousClock()
            let started = clock.now
            let cpuStarted = processCPUSeconds()
            try await body()
            return Timing(wall: (clock.now - started).seconds, cpu: processCPUSeconds() - cpuStarted)
        }

        /// CPU time of every thread of this process so far.
        static func processCPUSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
        }
    }

    private static func timeWrites(_ store: any ObjectStore, chunk: [UInt8], _ config: Configuration) async throws -> Timing {
        try await Timing.measure { try await writeAll(store, chunk: chunk, config) }
    }

    private static func writeAll(_ store: any ObjectStore, chunk: [UInt8], _ config: Configuration) async throws {
        var written = 0
        var object = 0
        while written < config.totalBytes {
            let key = "bench/object-\(object)"
            let size = min(config.objectSize, config.totalBytes - written)
            let writer = try await store.makeWriter(key: key, options: WriteOptions(expectedSize: UInt64(size)))
            var left = size
            while left > 0 {
                let count = min(left, chunk.count)
                try await writer.write(count == chunk.count ? chunk : Array(chunk[..<count]))
                left -= count
            }
            _ = try await writer.close()
            try await store.delete(key: key)
            written += size
            object += 1
        }
    }

    private static func timeStats(_ store: any ObjectStore, _ config: Configuration) async throws -> Timing {
        let keys = (0..<1000).map { "bench/small-\($0)" }
        for key in keys { try await store.put(key: key, bytes: [1, 2, 3]) }
        var total: UInt64 = 0
        let timing = try await Timing.measure {
            for index in 0..<config.stats {
                total &+= try await store.stat(key: keys[index % keys.count]).size
            }
        }
        guard total == UInt64(config.stats) * 3 else {
            throw FaultOverheadBenchmarkError(message: "the stats saw \(total) bytes, expected \(config.stats * 3): the store lost objects")
        }
        return timing
    }
}

/// A fault-overhead benchmark that cannot run as configured.
public struct FaultOverheadBenchmarkError: Error, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}
