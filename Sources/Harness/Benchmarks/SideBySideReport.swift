import Foundation

/// A side-by-side benchmark: our code and the reference tools measured on the same work, on the
/// same machine, in the same run (DESIGN.md "Side-by-side benchmarks").
///
/// Written as `Results/runs/bench-<name>-<timestamp>.json` and printed as a table.
public struct SideBySideReport: Sendable, Codable {
    /// One tool's median figures.
    public struct Entry: Sendable, Codable {
        /// The tool (`flushbench`, `rclone`, `aws-cli`, `curl`, `pyarrow`, `dd`).
        public var tool: String
        /// Median wall seconds of the rounds.
        public var seconds: Double
        /// Median throughput of the rounds.
        public var throughput: Double
        /// `MiB/s` or `rows/s`.
        public var unit: String
        /// Largest peak resident set size over the rounds.
        public var peakRssBytes: UInt64
        /// Why the tool has no figure (not installed, failed), if so.
        public var note: String?

        public init(tool: String, seconds: Double, throughput: Double, unit: String, peakRssBytes: UInt64, note: String? = nil) {
            self.tool = tool
            self.seconds = seconds
            self.throughput = throughput
            self.unit = unit
            self.peakRssBytes = peakRssBytes
            self.note = note
        }
    }

    /// What was measured, in words (`"upload 32 x 16 MiB to SeaweedFS on loopback"`).
    public var work: String
    /// Rounds per tool (medians are over these).
    public var rounds: Int
    /// One entry per tool; `flushbench` first.
    public var results: [Entry]

    public init(work: String, rounds: Int, results: [Entry]) {
        self.work = work
        self.rounds = rounds
        self.results = results
    }

    /// The table: tool, throughput, seconds, peak RSS, and each tool's throughput relative to ours.
    public func table() -> String {
        let ours = results.first { $0.tool == "flushbench" }?.throughput
        var lines = ["\(work) — medians of \(rounds) round(s)", ""]
        lines.append(pad("tool", 18) + pad("throughput", 18) + pad("seconds", 10) + pad("peak RSS", 12) + "ours / theirs")
        for entry in results {
            if let note = entry.note {
                lines.append(pad(entry.tool, 18) + "— " + note)
                continue
            }
            let ratio = ours.map { entry.throughput > 0 ? String(format: "%.2fx", $0 / entry.throughput) : "—" } ?? "—"
            lines.append(
                pad(entry.tool, 18)
                + pad(String(format: "%.1f %@", entry.throughput, entry.unit), 18)
                + pad(String(format: "%.2f", entry.seconds), 10)
                + pad(String(format: "%.0f MiB", Double(entry.peakRssBytes) / 1_048_576), 12)
                + ratio)
        }
        return lines.joined(separator: "\n")
    }

    /// Writes the report as JSON to `directory/bench-<name>-<timestamp>.json` and returns the path.
    @discardableResult
    public func write(name: String, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let path = "\(directory)/bench-\(name)-\(stamp).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The median of `values` (0 when empty).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
