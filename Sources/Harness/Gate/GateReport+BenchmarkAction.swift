import Foundation

/// One entry of github-action-benchmark's `customBiggerIsBetter` / `customSmallerIsBetter` input.
public struct BenchmarkActionEntry: Sendable, Codable, Equatable {
    public var name: String
    public var unit: String
    public var value: Double
    /// The spread of the runs, as the action shows it (`± 1.2`).
    public var range: String?
    /// Free text shown with the value.
    public var extra: String?
}

extension GateReport {
    /// The current medians in github-action-benchmark's custom formats, split by direction:
    /// feed `biggerIsBetter` to a `customBiggerIsBetter` step and `smallerIsBetter` to a
    /// `customSmallerIsBetter` one.
    public func benchmarkActionEntries() -> (biggerIsBetter: [BenchmarkActionEntry], smallerIsBetter: [BenchmarkActionEntry]) {
        var bigger: [BenchmarkActionEntry] = []
        var smaller: [BenchmarkActionEntry] = []
        for scenario in scenarios {
            for metric in scenario.metrics {
                guard let current = metric.current else { continue }
                let halfRange = (current.max - current.min) / 2
                let entry = BenchmarkActionEntry(
                    name: "\(scenario.scenario) / \(metric.label)", unit: metric.unit, value: current.median,
                    range: current.values.count > 1 ? "± \(format(halfRange))" : nil,
                    extra: "\(current.values.count) run(s); baseline median \(format(metric.baseline?.median)); \(metric.status.rawValue)")
                switch metric.direction {
                case .biggerIsBetter: bigger.append(entry)
                case .smallerIsBetter: smaller.append(entry)
                }
            }
        }
        return (bigger, smaller)
    }

    /// Writes `bigger-is-better.json` and `smaller-is-better.json` into `directory` and returns
    /// their paths.
    ///
    /// - Errors: the file system's error when the directory or a file cannot be written.
    @discardableResult
    public func writeBenchmarkAction(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entries = benchmarkActionEntries()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var paths: [String] = []
        for (name, list) in [("bigger-is-better", entries.biggerIsBetter), ("smaller-is-better", entries.smallerIsBetter)] {
            let path = "\(directory)/\(name).json"
            try encoder.encode(list).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        return paths
    }
}
