import Foundation

/// How far a timed metric's median may move before the gate calls it a change.
public struct MetricThreshold: Sendable, Equatable, Codable {
    /// The change allowed as a fraction of the baseline median (0.25 is 25%).
    public var relative: Double
    /// A change in the metric's own unit that is always allowed, so a 1 ms figure does not fail
    /// on 0.5 ms of jitter.
    public var absolute: Double

    public init(relative: Double, absolute: Double = 0) {
        self.relative = relative
        self.absolute = absolute
    }

    /// The change allowed around `baseline`.
    public func allowance(around baseline: Double) -> Double {
        max(relative * abs(baseline), absolute)
    }
}

/// The gate's per-metric thresholds and counter tolerances, read from `thresholds.json` next to
/// the baseline.
///
/// The file holds `metrics` (timed metric name → `{ "relative": 0.25, "absolute": 2 }`),
/// `counters` (counter name, or a prefix ending in `*`, → relative tolerance; 0 is exact) and
/// `scenarios` (scenario name → the same two objects, overriding the top level for that
/// scenario). Unknown keys are errors, so a typo cannot silently loosen the gate.
public struct GateThresholds: Sendable, Equatable {
    /// Overrides for one scenario.
    public struct Overrides: Sendable, Equatable {
        public var metrics: [String: MetricThreshold] = [:]
        public var counters: [String: Double] = [:]

        public init(metrics: [String: MetricThreshold] = [:], counters: [String: Double] = [:]) {
            self.metrics = metrics
            self.counters = counters
        }
    }

    /// Thresholds of the timed metrics (see ``GateMetrics/timed``).
    public var metrics: [String: MetricThreshold]
    /// Relative tolerances of counters; a counter not named here is compared exactly.
    public var counters: [String: Double]
    /// Per-scenario overrides.
    public var scenarios: [String: Overrides]

    public init(metrics: [String: MetricThreshold] = GateThresholds.defaultMetrics, counters: [String: Double] = [:],
                scenarios: [String: Overrides] = [:]) {
        self.metrics = metrics
        self.counters = counters
        self.scenarios = scenarios
    }

    /// What the gate uses when no thresholds file is given: 25% on throughput and p50, 50% on
    /// p99 (tails are noisier), 30% on peak memory, with small absolute floors.
    public static let defaultMetrics: [String: MetricThreshold] = [
        "throughput.flushesPerSecond": MetricThreshold(relative: 0.25),
        "throughput.acknowledgedMiBps": MetricThreshold(relative: 0.25),
        "latency.flush.p50Ms": MetricThreshold(relative: 0.25, absolute: 2),
        "latency.flush.p99Ms": MetricThreshold(relative: 0.5, absolute: 5),
        "memory.peakResidentMiB": MetricThreshold(relative: 0.3, absolute: 16),
    ]

    /// The threshold of `metric` in `scenario`.
    public func threshold(_ metric: String, scenario: String) -> MetricThreshold {
        scenarios[scenario]?.metrics[metric] ?? metrics[metric] ?? Self.defaultMetrics[metric] ?? MetricThreshold(relative: 0.25)
    }

    /// The relative tolerance of `counter` in `scenario`: an exact name wins over a `prefix*`
    /// pattern, the scenario's over the top level's; 0 (exact) when nothing matches.
    public func tolerance(_ counter: String, scenario: String) -> Double {
        for table in [scenarios[scenario]?.counters ?? [:], counters] {
            if let exact = table[counter] { return exact }
            let prefixed = table.filter { $0.key.hasSuffix("*") && counter.hasPrefix(String($0.key.dropLast())) }
            if let longest = prefixed.max(by: { $0.key.count < $1.key.count }) { return longest.value }
        }
        return 0
    }

    /// The thresholds for a baseline: `explicit` when given, else `thresholds.json` in the
    /// baseline's directory (or beside a baseline file), else the built-in defaults.
    ///
    /// - Errors: ``GateInputError`` when the file chosen is unreadable or invalid.
    public static func beside(baseline: String, explicit: String?) throws(GateInputError) -> GateThresholds {
        if let explicit { return try load(path: explicit) }
        var isDirectory: ObjCBool = false
        let directory = FileManager.default.fileExists(atPath: baseline, isDirectory: &isDirectory) && isDirectory.boolValue
            ? baseline : (baseline as NSString).deletingLastPathComponent
        let candidate = "\(directory.isEmpty ? "." : directory)/\(ResultSet.thresholdsFileName)"
        return FileManager.default.fileExists(atPath: candidate) ? try load(path: candidate) : GateThresholds()
    }

    /// Reads a thresholds file.
    ///
    /// - Errors: ``GateInputError`` (code `thresholds`) naming the file and the JSON path of
    ///   every key that is unknown or has the wrong type.
    public static func load(path: String) throws(GateInputError) -> GateThresholds {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw GateInputError(code: "thresholds", "\(path): cannot read a JSON object: \(error.localizedDescription)")
        }
        var problems: [String] = []
        let result = parse(object, file: path, problems: &problems)
        if !problems.isEmpty { throw GateInputError(code: "thresholds", problems: problems) }
        return result
    }

    private static func parse(_ object: Any, file: String, problems: inout [String]) -> GateThresholds {
        guard let root = object as? [String: Any] else {
            problems.append("\(file): expected an object with \"metrics\", \"counters\" and \"scenarios\"")
            return GateThresholds()
        }
        var result = GateThresholds(metrics: defaultMetrics)
        for key in root.keys.sorted() where !["metrics", "counters", "scenarios", "comment"].contains(key) {
            problems.append("\(file): \(key): unknown key (expected metrics, counters, scenarios or comment)")
        }
        let top = parseOverrides(root, path: "", file: file, problems: &problems)
        result.metrics.merge(top.metrics) { _, new in new }
        result.counters = top.counters
        if let scenarios = root["scenarios"] {
            guard let table = scenarios as? [String: Any] else {
                problems.append("\(file): scenarios: expected an object of scenario name -> { metrics, counters }")
                return result
            }
            for (name, value) in table {
                guard let body = value as? [String: Any] else {
                    problems.append("\(file): scenarios.\(name): expected an object with metrics and/or counters")
                    continue
                }
                for key in body.keys.sorted() where !["metrics", "counters"].contains(key) {
                    problems.append("\(file): scenarios.\(name).\(key): unknown key (expected metrics or counters)")
                }
                result.scenarios[name] = parseOverrides(body, path: "scenarios.\(name).", file: file, problems: &problems)
            }
        }
        return result
    }

    private static func parseOverrides(_ body: [String: Any], path: String, file: String, problems: inout [String]) -> Overrides {
        var overrides = Overrides()
        let known = Set(GateMetrics.timed.map(\.name))
        if let metrics = body["metrics"] {
            if let table = metrics as? [String: Any] {
                for (name, value) in table {
                    let here = "\(file): \(path)metrics.\(name)"
                    guard known.contains(name) else {
                        problems.append("\(here): unknown metric (expected one of \(known.sorted().joined(separator: ", ")))")
                        continue
                    }
                    guard let fields = value as? [String: Any] else {
                        problems.append("\(here): expected { \"relative\": fraction, \"absolute\": number }")
                        continue
                    }
                    for key in fields.keys.sorted() where !["relative", "absolute"].contains(key) {
                        problems.append("\(here).\(key): unknown key (expected relative or absolute)")
                    }
                    let relative = number(fields["relative"])
                    let absolute = fields["absolute"] == nil ? 0 : number(fields["absolute"])
                    guard let relative, relative >= 0, let absolute, absolute >= 0 else {
                        problems.append("\(here): relative (required) and absolute must be numbers >= 0")
                        continue
                    }
                    overrides.metrics[name] = MetricThreshold(relative: relative, absolute: absolute)
                }
            } else {
                problems.append("\(file): \(path)metrics: expected an object of metric name -> threshold")
            }
        }
        if let counters = body["counters"] {
            if let table = counters as? [String: Any] {
                for (name, value) in table {
                    guard let tolerance = number(value), tolerance >= 0 else {
                        problems.append("\(file): \(path)counters.\(name): expected a relative tolerance >= 0 (0 is exact)")
                        continue
                    }
                    overrides.counters[name] = tolerance
                }
            } else {
                problems.append("\(file): \(path)counters: expected an object of counter name -> relative tolerance")
            }
        }
        return overrides
    }

    private static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }
}
