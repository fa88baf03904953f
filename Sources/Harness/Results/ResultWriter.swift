public import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// Writes run results: one JSON document per run and a Markdown summary of them all.
public enum ResultWriter {
    /// The encoder of result documents (sorted keys, so diffs between runs are readable).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// Writes `result` as `directory/<name>.json` and returns the path. A result is never
    /// overwritten: when that file exists, it becomes `<name>-2.json`, `<name>-3.json`, ...
    @discardableResult
    public static func write(_ result: RunResult, name: String, to directory: String) async throws -> String {
        try await BlockingIO.run { try writeBlocking(result, name: name, to: directory) }
    }

    /// ``write(_:name:to:)`` for code already on the blocking-I/O pool.
    @discardableResult
    public static func writeBlocking(_ result: RunResult, name: String, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try createExclusively(Array(try encoder().encode(result)), directory: directory, name: name, extension: "json")
    }

    /// Writes `data` to `path` (creating its directory) on the blocking-I/O pool and returns the
    /// path written: `path` itself, or `NAME-2.EXT`, `NAME-3.EXT`, ... when it exists (never overwritten).
    @discardableResult
    public static func writeFile(_ data: Data, to path: String) async throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let file = (path as NSString).lastPathComponent as NSString
        let name = file.deletingPathExtension, ext = file.pathExtension
        return try await BlockingIO.run {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try createExclusively(Array(data), directory: directory, name: name, extension: ext)
        }
    }

    /// Creates a new directory `parent/stamp` for one run's results, or `stamp-2`, `stamp-3`, ...
    /// when another run (in the same second) took that name, and returns its path.
    public static func makeRunDirectory(in parent: String, stamp: String) async throws -> String {
        try await BlockingIO.run {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            for attempt in 1...1000 {
                let path = "\(parent)/\(stamp)" + (attempt == 1 ? "" : "-\(attempt)")
                if mkdir(path, 0o755) == 0 { return path }
                let err = errno
                if err != EEXIST { throw LocalFileError(operation: "mkdir", path: path, errno: err) }
            }
            throw LocalFileError(code: .alreadyExists, operation: "mkdir", path: "\(parent)/\(stamp)",
                                 message: "'\(parent)' already holds 1000 result directories named '\(stamp)*'")
        }
    }

    /// Creates `directory/name.ext` with `O_EXCL` (else `name-2.ext`, ...), writes and fsyncs `bytes`.
    static func createExclusively(_ bytes: [UInt8], directory: String, name: String, extension ext: String) throws -> String {
        let suffix = ext.isEmpty ? "" : "." + ext
        for attempt in 1...1000 {
            let path = "\(directory)/\(name)" + (attempt == 1 ? "" : "-\(attempt)") + suffix
            guard let file = try createUnlessExists(path) else { continue }
            do {
                try file.write(bytes, at: 0)
                try file.sync()
            } catch {
                file.close()
                throw error
            }
            file.close()
            return path
        }
        throw LocalFileError(code: .alreadyExists, operation: "create", path: "\(directory)/\(name)\(suffix)",
                             message: "'\(directory)' already holds 1000 files named '\(name)*\(suffix)'")
    }

    /// Creates `path` (`O_EXCL`); `nil` when it exists.
    private static func createUnlessExists(_ path: String) throws(LocalFileError) -> LocalFile? {
        do {
            return try LocalFile.create(path)
        } catch {
            if error.code == .alreadyExists { return nil }
            throw error
        }
    }

    /// Reads a result document.
    ///
    /// - Throws: an error naming the file when it cannot be read or is not a result.
    public static func read(_ path: String) throws -> RunResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ResultFileError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(RunResult.self, from: data)
        } catch {
            throw ResultFileError(file: path, message: "not a flushbench result document: \(describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)) is invalid"
        @unknown default: return "\(error)"
        }
    }

    /// The summary table of `results`, as Markdown.
    public static func summaryTable(_ results: [RunResult]) -> String {
        var lines = [
            "| scenario | store | flushes ok / failed | goodput MiB/s (attempted) | flush p50 / p99 ms | faults | known orphans | checks | result |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for result in results {
            let failedChecks = result.checks.filter { !$0.passed }.map(\.name) + result.expectations.filter { !$0.passed }.map(\.name)
            let flush = result.latency["flush"]
            lines.append("| \(result.scenario) | \(result.store.split(separator: " ").first ?? "") | \(result.flushes.succeeded) / \(result.flushes.failed) | "
                + String(format: "%.1f (%.1f)", result.throughput.acknowledgedMiBps, result.throughput.attemptedMiBps) + " | "
                + (flush.map { String(format: "%.1f / %.1f", $0.p50Ms, $0.p99Ms) } ?? "—") + " | "
                + "\(result.faults.injected) | \(result.knownOrphans.count) | "
                + (failedChecks.isEmpty ? "all \(result.checks.count + result.expectations.count) hold" : "failed: " + failedChecks.joined(separator: ", "))
                + " | " + (result.passed ? "PASS" : "FAIL") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// A Markdown report of one result: summary, checks, expectations, latencies, segments.
    public static func markdown(_ result: RunResult) -> String {
        var lines = ["## \(result.scenario) — \(result.passed ? "PASS" : "FAIL")", ""]
        if !result.description.isEmpty { lines += ["\(result.description)", ""] }
        lines.append("Seed \(result.seed), store \(result.store), \(String(format: "%.1f", result.durationSeconds)) s, "
            + "\(result.machine.cores) cores, commit \(result.gitCommit?.prefix(12) ?? "unknown").")
        lines.append("")
        lines.append("Flushes: \(result.flushes.succeeded) succeeded, \(result.flushes.failed) failed, \(result.flushes.empty) empty; "
            + String(format: "%.1f flushes/s, %.1f MiB/s encoded, goodput %.1f MiB/s acknowledged (%.1f MiB/s attempted).",
                     result.throughput.flushesPerSecond, result.throughput.encodedMiBps, result.throughput.acknowledgedMiBps,
                     result.throughput.attemptedMiBps))
        lines.append("Faults injected: \(result.faults.injected) \(result.faults.byKind.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")). "
            + "Known orphans: \(result.knownOrphans.count). Peak memory: \(Units.formatSize(result.memory.peakResidentBytes)) resident (\(result.memory.source)).")
        lines += ["", "| check | result | detail |", "| --- | --- | --- |"]
        for check in result.checks {
            lines.append("| \(check.name) | \(check.passed ? "pass" : "**FAIL**") | \(check.detail.replacingOccurrences(of: "|", with: "/")) |")
        }
        if !result.expectations.isEmpty {
            lines += ["", "| expectation | expected | actual | result |", "| --- | --- | --- | --- |"]
            for expectation in result.expectations {
                lines.append("| \(expectation.name) | \(expectation.expected) | \(expectation.actual) | \(expectation.passed ? "pass" : "**FAIL**") |")
            }
        }
        lines += ["", "| operation | count | p50 ms | p90 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for (name, summary) in result.latency.sorted(by: { $0.key < $1.key }) {
            lines.append("| \(name) | \(summary.count) | \(summary.p50Ms) | \(summary.p90Ms) | \(summary.p99Ms) | \(summary.maxMs) |")
        }
        if !result.segments.isEmpty {
            lines += ["", "Throughput over time:", "", "| from s | to s | flushes | MiB/s |", "| ---: | ---: | ---: | ---: |"]
            for segment in result.segments {
                lines.append(String(format: "| %.1f | %.1f | %d | %.1f |", segment.startSeconds, segment.endSeconds, segment.flushesCompleted, segment.MiBps))
            }
        }
        if !result.failures.isEmpty {
            lines += ["", "First failures:", ""]
            for failure in result.failures.prefix(5) { lines.append("- flush \(failure.flush): \(failure.code): \(failure.message)") }
        }
        lines += clusterMarkdown(result)
        return lines.joined(separator: "\n")
    }
}

extension ResultWriter {
    /// Markdown links to a run's chart files (written beside `summary.md`) and the HTML report.
    public static func chartLinks(_ files: [String]) -> String {
        guard !files.isEmpty else { return "" }
        return "Charts ([report.html](report.html)): " + files.map { file in
            let kind = RunCharts.kinds.sorted { $0.count > $1.count }.first { file.hasSuffix("-\($0).svg") } ?? file
            return "[\(kind)](\(file))"
        }.joined(separator: " · ")
    }
}

/// A result file that cannot be used.
public struct ResultFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}
