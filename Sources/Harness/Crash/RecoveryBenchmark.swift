import Foundation
import Platform
import WriteCache
#if canImport(Glibc)
import Glibc
#endif

/// `flushbench bench recovery`: how fast the cache opens a directory of N files (recovery lists
/// it, checks each file's size and Parquet / Puffin footer, and rebuilds the index), beside a
/// plain Python `os.scandir` walk doing the same reads: stat, then the head and the trailer
/// bytes recovery validates. Interleaved rounds on the same directory, warm page cache, medians
/// in files per second (DESIGN.md "Side-by-side benchmarks").
public struct RecoveryBenchmark: Sendable {
    /// Files in the directory.
    public var files: Int
    /// Rounds per side.
    public var rounds: Int
    /// Where the directory is made (a temp directory, removed afterwards, when `nil`).
    public var directory: String?

    public init(files: Int, rounds: Int, directory: String? = nil) {
        self.files = files
        self.rounds = rounds
        self.directory = directory
    }

    /// The walk: the reads recovery does, in Python; prints files walked and seconds.
    static let walk = """
        import os, sys, time
        d = sys.argv[1]
        start = time.perf_counter()
        n = 0
        for entry in os.scandir(d):
            name = entry.name
            if not (name.endswith('.parquet') or name.endswith('.puffin')):
                continue
            size = entry.stat(follow_symlinks=False).st_size
            trailer = 8 if name.endswith('.parquet') else 12
            fd = os.open(entry.path, os.O_RDONLY)
            head = os.pread(fd, 4, 0)
            tail = os.pread(fd, trailer, size - trailer)
            os.close(fd)
            n += 1
        print(n, time.perf_counter() - start)
        """

    /// Runs the benchmark; `progress` hears about each step.
    ///
    /// - Errors: when the directory cannot be filled, the cache cannot be opened, or recovery
    ///   does not index every file (the figure would not measure the same work).
    public func run(progress: @escaping @Sendable (String) -> Void) async throws -> SideBySideReport {
        let root = try await BlockingIO.run { [directory] in try directory ?? LocalFiles.makeTemporaryDirectory(prefix: "flushbench-bench-recovery-") }
        let cacheDirectory = root + "/cache"
        defer { if directory == nil { try? LocalFiles.removeTree(root) } }
        progress("filling \(cacheDirectory) with \(files) files")
        try await BlockingIO.run { [files] in try Self.fill(cacheDirectory, files: files) }
        var ours: [Double] = []
        var theirs: [Double] = []
        var walkNote: String?
        var walkPeak: UInt64 = 0
        for round in 1...rounds {
            let started = ContinuousClock.now
            let cache = try await FileCache.open(FileCacheConfiguration(directory: cacheDirectory, capacity: .max))
            let seconds = (ContinuousClock.now - started).seconds
            let recovered = cache.recovery.recoveredFiles
            cache.close()
            guard recovered == files else {
                throw RecoveryBenchmarkError(message: "recovery indexed \(recovered) of \(files) files: \(cache.recovery)")
            }
            ours.append(seconds)
            let outcome = try await ChildProcess("/usr/bin/env", ["python3", "-c", Self.walk, cacheDirectory], measuresPeakMemory: true).run()
            let fields = outcome.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if outcome.status == 0, fields.count == 2, Int(fields[0]) == files, let walked = Double(fields[1]) {
                theirs.append(walked)
                walkPeak = max(walkPeak, outcome.peakRSSBytes)
            } else {
                walkNote = "python3 walk failed (status \(outcome.status)): \(outcome.standardError.suffix(300))"
            }
            progress(String(format: "round %d: flushbench %.3f s, scandir %@", round, seconds, theirs.count == round ? String(format: "%.3f s", theirs.last!) : "failed"))
        }
        let oursMedian = SideBySideReport.median(ours)
        var results = [SideBySideReport.Entry(tool: "flushbench", seconds: oursMedian, throughput: Double(files) / oursMedian,
                                              unit: "files/s", peakRssBytes: Self.peakRSS())]
        if let walkNote, theirs.isEmpty {
            results.append(SideBySideReport.Entry(tool: "scandir", seconds: 0, throughput: 0, unit: "files/s", peakRssBytes: 0, note: walkNote))
        } else {
            let median = SideBySideReport.median(theirs)
            results.append(SideBySideReport.Entry(tool: "scandir", seconds: median, throughput: Double(files) / median, unit: "files/s",
                                                  peakRssBytes: walkPeak))
        }
        return SideBySideReport(work: "open a cache directory of \(files) files (list, stat, footer check, index) beside a Python os.scandir walk doing the same reads",
                                rounds: rounds, results: results)
    }

    /// Fills `directory` with `files` small whole files (half Parquet, half Puffin), as recovery
    /// validates them.
    static func fill(_ directory: String, files: Int) throws {
        try LocalFiles.createDirectories(directory + "/tmp")
        let parquet = Array("PAR1".utf8) + [UInt8](repeating: 7, count: 40) + [4, 0, 0, 0] + Array("PAR1".utf8)
        let puffin = Array("PFA1".utf8) + [UInt8](repeating: 9, count: 24) + Array("PFA1".utf8) + [0, 0, 0, 0] + [0, 0, 0, 0] + Array("PFA1".utf8)
        var random = SplitMix64(seed: 20261201)
        for index in 0..<files {
            let id = UUID(uuid: Self.uuid(&random))
            let type = index % 2 == 0 ? "parquet" : "puffin"
            let path = "\(directory)/\(index % 64).\(id.uuidString.lowercased()).\(type)"
            let file = try LocalFile.create(path)
            defer { file.close() }
            try file.write(type == "parquet" ? parquet : puffin, at: 0)
        }
    }

    private static func uuid(_ random: inout SplitMix64) -> uuid_t {
        let a = random.next(), b = random.next()
        func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (8 * UInt64(index))) }
        return (byte(a, 0), byte(a, 1), byte(a, 2), byte(a, 3), byte(a, 4), byte(a, 5), 0x40 | (byte(a, 6) & 0x0F), byte(a, 7),
                0x80 | (byte(b, 0) & 0x3F), byte(b, 1), byte(b, 2), byte(b, 3), byte(b, 4), byte(b, 5), byte(b, 6), byte(b, 7))
    }

    /// This process's peak resident set size.
    static func peakRSS() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return UInt64(usage.ru_maxrss) * 1024
    }
}

/// The recovery benchmark could not measure.
public struct RecoveryBenchmarkError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "bench recovery: \(message)" }
}
