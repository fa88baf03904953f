import Foundation
import Harness
import Testing

@Suite("Arrival from a trace: decoding, bad lines by file:line, replay of the recorded flushes")
struct ArrivalTraceTests {
    /// A scenario file in a new folder with a trace beside it (`traces/t.jsonl`), and its path.
    func write(trace: String, workload: String = "\"concurrency\": 2, \"rowGroupSize\": 100", arrival: String = "\"trace\": \"traces/t.jsonl\"") throws -> String {
        let folder = try LocalTemporary.directory()
        try FileManager.default.createDirectory(atPath: folder + "/traces", withIntermediateDirectories: true)
        try trace.write(toFile: folder + "/traces/t.jsonl", atomically: true, encoding: .utf8)
        let scenario = """
            { "name": "traced", "store": { "kind": "memory" }, "upload": { "partSize": "64KiB" },
              "workload": { \(workload), "arrival": { \(arrival) } } }
            """
        try scenario.write(toFile: folder + "/scenario.json", atomically: true, encoding: .utf8)
        return folder + "/scenario.json"
    }

    func load(_ path: String) throws(ScenarioError) -> Scenario {
        try ScenarioLoader.load(path: path, validateFault: ScenarioFaults.validator)[0]
    }

    func issues(_ path: String) -> [ScenarioIssue] {
        do {
            _ = try load(path)
            return []
        } catch {
            return error.issues
        }
    }

    @Test("the shipped trace scenario decodes: its path is relative to the scenario file, its flushes come from the trace")
    func shippedTraceDecodes() throws {
        let scenario = try load(repositoryRoot + "/Scenarios/trace-replay.json")
        guard case .trace(let trace) = scenario.workload.arrival else {
            Issue.record("not a trace arrival")
            return
        }
        #expect(trace.file == repositoryRoot + "/Scenarios/traces/ingest-burst.jsonl")
        #expect(trace.events.count == 80)
        #expect(scenario.workload.totalFlushes == 80)
        #expect(trace.events.map(\.at) == trace.events.map(\.at).sorted(), "events in time order")
        #expect(trace.events.first == TraceEvent(at: .zero, region: 0, rows: 1500))
    }

    @Test("events are parsed with seconds or durations, blank lines skipped, replayed in time order")
    func parsesEvents() throws {
        let text = "{\"at\": 0.5, \"region\": 2, \"rows\": 10}\n\n{\"at\": \"100ms\", \"region\": 1, \"rows\": 0}\r\n"
        let trace = try ArrivalTrace.parse(Array(text.utf8), file: "t.jsonl").get()
        #expect(trace.events == [TraceEvent(at: .milliseconds(100), region: 1, rows: 0), TraceEvent(at: .milliseconds(500), region: 2, rows: 10)])
    }

    @Test("bad lines are reported by file:line under the trace's JSON path; a missing file is named")
    func badLines() throws {
        let path = try write(trace: """
            {"at": 0, "region": 0, "rows": 10}
            {"at": -1, "region": 0, "rows": 10}
            {"at": 1, "region": 1.5, "rows": 10}
            {"at": 1, "region": 1, "rows": 10, "bytes": 5}
            not json
            {"at": "soon", "region": 1, "rows": 10}
            """)
        let found = issues(path)
        let trace = (path as NSString).deletingLastPathComponent + "/traces/t.jsonl"
        #expect(found.allSatisfy { $0.path == "workload.arrival.trace" }, "\(found)")
        let messages = found.map(\.message)
        #expect(messages.contains { $0.contains("\(trace):2: at: expected seconds") }, "\(messages)")
        #expect(messages.contains { $0.contains("\(trace):3: region: expected an integer") })
        #expect(messages.contains { $0.contains("\(trace):4: unknown key \"bytes\"") })
        #expect(messages.contains { $0.contains("\(trace):5: not valid JSON") })
        #expect(messages.contains { $0.contains("\(trace):6: at: expected seconds or a duration") })
        #expect(found.count == 5)

        let missing = issues(try write(trace: "", arrival: "\"trace\": \"traces/nope.jsonl\""))
        #expect(missing.map(\.path) == ["workload.arrival.trace"])
        #expect(missing.first?.message.contains("traces/nope.jsonl: no such file") == true)
        #expect(issues(try write(trace: "\n")).first?.message.contains("no events") == true)
    }

    @Test("a trace gives the flushes: regions, flushesPerRegion, rowsPerFlush and rate beside it are errors")
    func conflictingKeys() throws {
        let event = "{\"at\": 0, \"region\": 0, \"rows\": 10}\n{\"at\": 1, \"region\": 0, \"rows\": 10}"
        let counts = issues(try write(trace: event, workload: "\"concurrency\": 1, \"regions\": 2, \"flushesPerRegion\": 2, \"rowsPerFlush\": 5"))
        #expect(Set(counts.map(\.path)) == ["workload.regions", "workload.flushesPerRegion", "workload.rowsPerFlush"], "\(counts.map { "\($0.path): \($0.message)" })")
        let rate = issues(try write(trace: event, arrival: "\"trace\": \"traces/t.jsonl\", \"rate\": 5"))
        #expect(rate.map(\.path) == ["workload.arrival.rate"])
        // Without a trace the counts are still required.
        let plain = issues(try write(trace: event, workload: "\"concurrency\": 1", arrival: "\"rate\": 5"))
        #expect(Set(plain.map(\.path)) == ["workload.regions", "workload.flushesPerRegion"])
    }

    @Test("a run replays the recorded flushes: their number, regions, rows and times")
    func runReplaysTrace() async throws {
        let path = try write(trace: """
            {"at": 0, "region": 7, "rows": 100}
            {"at": 0.1, "region": 9, "rows": 250}
            {"at": 0.6, "region": 7, "rows": 300}
            """)
        let result = try await ScenarioRunner.run(try load(path))
        #expect(result.passed, "\(result.checks.filter { !$0.passed })")
        #expect(result.flushes.attempted == 3 && result.flushes.succeeded == 3)
        let rows = result.objects.filter { $0.key.hasSuffix(".parquet") }.map(\.rows).sorted()
        #expect(rows == [100, 250, 300])
        let regions = Set(result.objects.map { $0.key.split(separator: "/").dropLast().last.map(String.init) ?? "" })
        #expect(regions == [String((UInt64(1024) << 32) | 7), String((UInt64(1024) << 32) | 9)], "\(regions)")
        #expect(result.timings.workload >= 0.6, "the last flush is due 0.6 s after the start")
    }
}
