import Foundation

/// One recorded flush of an arrival trace: when it happened (since the trace's start), in which
/// region, and how many rows it wrote.
public struct TraceEvent: Sendable, Equatable {
    /// Time since the start of the trace; the flush is due this long after the run's workload starts.
    public var at: Duration
    /// The region (the low 32 bits of the region id; the table is the runner's).
    public var region: UInt32
    /// Rows of the flush.
    public var rows: Int

    public init(at: Duration, region: UInt32, rows: Int) {
        self.at = at
        self.region = region
        self.rows = rows
    }
}

/// Recorded flushes to replay (`"arrival": { "trace": "traces/x.jsonl" }`): one JSON object per
/// line, `{ "at": 1.25, "region": 3, "rows": 20000 }` — `at` in seconds (a number) or a duration
/// string (`"1250ms"`). Blank lines are skipped; events are replayed in time order.
public struct ArrivalTrace: Sendable, Equatable {
    /// The trace file, as resolved (relative paths are relative to the scenario file's folder).
    public var file: String
    public var events: [TraceEvent]

    /// The largest trace file read.
    public static let maxBytes = 64 << 20
    /// The most events a trace may hold (the most flushes of a scenario).
    public static let maxEvents = 1_000_000
    /// The most rows one event may have (as `rowsPerFlush`).
    public static let maxRows = 50_000_000
    /// The most problems reported for one file.
    static let maxProblems = 20

    /// Reads the trace at `path`, or the problems that make it unusable, each as
    /// `FILE:LINE: message` (or `FILE: message` for the whole file).
    public static func read(_ path: String) -> Result<ArrivalTrace, TraceProblems> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(TraceProblems(["\(path): no such file (a trace path is relative to the scenario file's folder)"]))
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard !isDirectory.boolValue, attributes?[.type] as? FileAttributeType == .typeRegular else {
            return .failure(TraceProblems(["\(path): not a regular file; expected a JSON Lines trace"]))
        }
        if let size = attributes?[.size] as? Int, size > maxBytes {
            return .failure(TraceProblems(["\(path): \(Units.formatSize(UInt64(size))); a trace may be at most \(Units.formatSize(UInt64(maxBytes)))"]))
        }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(TraceProblems(["\(path): cannot read the file"])) }
        return parse([UInt8](data), file: path)
    }

    /// Parses trace text (named `file` in messages).
    public static func parse(_ bytes: [UInt8], file: String) -> Result<ArrivalTrace, TraceProblems> {
        var events: [TraceEvent] = []
        var problems: [String] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if problems.count >= maxProblems { break }
            let number = index + 1
            guard line.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains($0) }) else { continue }
            switch event(Array(line)) {
            case .success(let event): events.append(event)
            case .failure(let problem): problems.append("\(file):\(number): \(problem.message)")
            }
            if events.count > maxEvents {
                problems.append("\(file):\(number): more than \(maxEvents) events; a scenario has at most \(maxEvents) flushes")
                break
            }
        }
        if problems.isEmpty, events.isEmpty { problems.append("\(file): no events; expected one JSON object per line, e.g. {\"at\": 0.5, \"region\": 1, \"rows\": 1000}") }
        guard problems.isEmpty else { return .failure(TraceProblems(problems)) }
        let ordered = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return .success(ArrivalTrace(file: file, events: ordered))
    }

    private static func event(_ line: [UInt8]) -> Result<TraceEvent, TraceLineProblem> {
        let root: JSONValue
        do {
            root = try JSONParser.parse(line).root
        } catch {
            return .failure(TraceLineProblem("not valid JSON: \(error.message)"))
        }
        guard case .object(let fields) = root else { return .failure(TraceLineProblem("expected an object such as {\"at\": 0.5, \"region\": 1, \"rows\": 1000}, found \(root.typeDescription)")) }
        if let unknown = fields.keys.sorted().first(where: { !["at", "region", "rows"].contains($0) }) {
            return .failure(TraceLineProblem("unknown key \(Echo.quoted(unknown)) (expected at, region and rows)"))
        }
        let at: Duration
        switch fields["at"] {
        case .number(let number) where number.double.isFinite && number.double >= 0 && number.double <= 31_536_000:
            at = .nanoseconds(Int64((number.double * 1e9).rounded()))
        case .string(let text):
            guard case .success(let parsed) = Units.parseDuration(text) else { return .failure(TraceLineProblem("at: expected seconds or a duration such as \"1.5s\", found \(Echo.quoted(text))")) }
            at = parsed
        case nil:
            return .failure(TraceLineProblem("at: required: seconds since the trace's start, e.g. 0.5"))
        case let other?:
            return .failure(TraceLineProblem("at: expected seconds (0 to one year) or a duration such as \"1.5s\", found \(other.typeDescription)"))
        }
        guard case .number(let regionNumber) = fields["region"], let region = UInt32(exactly: regionNumber.double) else {
            return .failure(TraceLineProblem("region: expected an integer between 0 and \(UInt32.max), found \(fields["region"]?.typeDescription ?? "nothing")"))
        }
        guard case .number(let rowsNumber) = fields["rows"], let rows = Int(exactly: rowsNumber.double), (0...maxRows).contains(rows) else {
            return .failure(TraceLineProblem("rows: expected an integer between 0 and \(maxRows), found \(fields["rows"]?.typeDescription ?? "nothing")"))
        }
        return .success(TraceEvent(at: at, region: region, rows: rows))
    }
}

/// Why a trace cannot be replayed: one line per problem, `FILE:LINE: message`.
public struct TraceProblems: Error, Sendable, Equatable {
    public var lines: [String]

    public init(_ lines: [String]) {
        self.lines = lines
    }
}

/// What is wrong with one line of a trace.
struct TraceLineProblem: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
