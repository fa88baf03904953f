import Foundation
import Harness
import Testing

@Suite("Live metrics: Prometheus text on loopback while a run works", .serialized)
struct LiveMetricsScrapeTests {
    /// GETs `path` from 127.0.0.1:`port` with curl: the body, or the status code with `statusOnly`.
    func get(_ port: Int, _ path: String = "/metrics", statusOnly: Bool = false) async throws -> String {
        let arguments = ["-s", "--max-time", "5"] + (statusOnly ? ["-o", "/dev/null", "-w", "%{http_code}"] : [])
            + ["http://127.0.0.1:\(port)\(path)"]
        return try await ChildProcess("curl", arguments, measuresPeakMemory: false).run().standardOutput
    }

    @Test("a run's metrics are scraped over loopback while it runs: flushes, latency histogram, operations, faults, cache, bytes")
    func scrapedDuringRun() async throws {
        let live = LiveMetrics()
        let server = try await MetricsServer.start(port: 0, registry: live.registry)
        var options = RunOptions()
        options.metrics = live
        let scenario = try scenarios(phaseScenario(name: "live-metrics"))[0]
        let finished = Locked(false)
        let run = Task {
            defer { finished.withLock { $0 = true } }
            return try await ScenarioRunner.run(scenario, options: options)
        }
        let expected = [
            "# TYPE flushbench_flushes_total counter",
            "flushbench_flushes_total{scenario=\"live-metrics\",outcome=\"succeeded\"}",
            "flushbench_flush_latency_seconds_bucket{scenario=\"live-metrics\",le=\"0.25\"}",
            "flushbench_flush_latency_seconds_count{scenario=\"live-metrics\"}",
            "flushbench_operations_total{scenario=\"live-metrics\",operation=\"upload\"}",
            "flushbench_operation_latency_seconds{scenario=\"live-metrics\",operation=\"upload\",quantile=\"0.99\"}",
            "flushbench_faults_injected_total{scenario=\"live-metrics\",kind=\"latency\"}",
            "flushbench_cache_used_bytes{scenario=\"live-metrics\"}",
            "flushbench_cache_capacity_bytes{scenario=\"live-metrics\"} 268435456",
            "flushbench_bytes_total{scenario=\"live-metrics\",kind=\"acknowledged\"}",
        ]
        // Scrape until every series is there (the first samples come before the first upload ends).
        var scraped = ""
        var scrapedWhileRunning = false
        for _ in 0..<150 {
            try await Task.sleep(for: .milliseconds(200))
            let running = !finished.withLock { $0 }
            scraped = try await get(server.port)
            if expected.allSatisfy(scraped.contains) {
                scrapedWhileRunning = running
                break
            }
            if !running { break }
        }
        let result = try await run.value
        #expect(result.passed)
        #expect(scrapedWhileRunning, "every series was scraped before the run ended")
        for series in expected {
            #expect(scraped.contains(series), "missing \(series) in:\n\(scraped.prefix(3000))")
        }
        // After the run the counters hold the run's totals.
        let final = try await get(server.port)
        #expect(final.contains("flushbench_flushes_total{scenario=\"live-metrics\",outcome=\"succeeded\"} \(result.flushes.succeeded)"),
                "\(final.prefix(2000))")
        #expect(try await get(server.port, "/other", statusOnly: true) == "404")
        await server.stop()
        #expect(try await get(server.port, statusOnly: true) == "000", "nothing listens after stop")
    }

    @Test("flushbench run --metrics-port serves while it runs; a port that is taken is rejected with exit 2")
    func runFlag() async throws {
        let file = try LocalTemporary.directory() + "/live-flag.json"
        try phaseScenario(name: "live-flag").write(toFile: file, atomically: true, encoding: .utf8)
        // A free port: taken by a server, then freed.
        let probe = try await MetricsServer.start(port: 0, registry: LiveMetrics().registry)
        let port = probe.port
        await probe.stop()
        let running = try Binary.command(["run", file, "--out", try LocalTemporary.directory(), "--metrics-port", "\(port)"]).start()
        var scraped = ""
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(200))
            scraped = try await get(port)
            if scraped.contains("flushbench_flushes_total{scenario=\"live-flag\"") { break }
        }
        let outcome = await Task.detached { running.wait() }.value
        #expect(outcome.status == 0, "\(outcome.standardOutput) \(outcome.standardError)")
        #expect(scraped.contains("flushbench_flushes_total{scenario=\"live-flag\""), "\(scraped.prefix(1000))")
        #expect(outcome.standardOutput.contains("metrics: http://127.0.0.1:\(port)/metrics"))

        let taken = try await MetricsServer.start(port: 0, registry: LiveMetrics().registry)
        let refused = try await Binary.run(["run", file, "--out", try LocalTemporary.directory(), "--metrics-port", "\(taken.port)"])
        await taken.stop()
        #expect(refused.status == 2, "\(refused.output) \(refused.errors)")
        #expect(refused.errors.contains("cannot serve metrics on 127.0.0.1:\(taken.port)"))
    }
}
