#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Harness
import ObjectStore
import Servers
import Testing

@Suite("Time limits hold end to end, whatever the store does")
struct ScenarioRunnerTimeLimitTests {
    /// An s3 scenario with enough flushes to still be uploading when the server stops.
    static func stallScenario(timeLimit: String, cleanupTimeLimit: String) -> String {
        """
        {
          "name": "stalled-server", "seed": 5, "timeLimit": "\(timeLimit)", "cleanupTimeLimit": "\(cleanupTimeLimit)",
          "store": { "kind": "s3", "bucket": "stall" },
          "cache": { "capacity": "1GiB" },
          "upload": { "partSize": "5MiB", "concurrency": 2, "retry": { "maxAttempts": 3, "initialBackoff": "10ms", "maxBackoff": "50ms" } },
          "workload": { "regions": 2, "flushesPerRegion": 100, "concurrency": 2, "rowsPerFlush": 100000, "rowGroupSize": 8192,
                        "reads": { "afterFlush": true } }
        }
        """
    }

    @Test("a server stopped (SIGSTOP) mid-run ends the run within timeLimit + cleanupTimeLimit, failing time-limit",
          .timeLimit(.minutes(2)))
    func stalledServerEndsWithinBothLimits() async throws {
        let server = try await SeaweedFS.start(bucket: "stall")
        defer { _ = kill(server.pid, SIGCONT) }
        let scenario = try scenarios(Self.stallScenario(timeLimit: "3s", cleanupTimeLimit: "4s"))[0]
        let stopped = Locked(false)
        var options = RunOptions(progress: { _ in
            // One second into the flushes: the server stops answering, connections stay open.
            let first = stopped.withLock { value -> Bool in
                defer { value = true }
                return !value
            }
            if first { _ = kill(server.pid, SIGSTOP) }
        })
        // The S3 client's own defaults: 120 s per request, 15 s below 1 KiB/s before it gives up.
        options.environment = ["AWS_ENDPOINT_URL": server.configuration.endpoint,
                               "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
                               "AWS_SECRET_ACCESS_KEY": server.configuration.credentials.secretAccessKey]
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await ScenarioRunner.run(scenario, options: options)
        let took = clock.now - started
        _ = kill(server.pid, SIGCONT)
        await server.stop()

        #expect(stopped.withLock { $0 }, "the server was stopped during the flushes")
        #expect(result.durationSeconds < 3 + 4 + 5, "\(result.timings)")
        #expect(took < .seconds(3 + 4 + 10), "the run took \(took) (set-up included)")
        let check = try #require(result.checks.first { $0.name == "time-limit" })
        #expect(!check.passed, "\(check.detail)")
        #expect(check.detail.contains("stopped at its time limit"), "\(check.detail)")
        #expect(!result.passed)
        #expect(result.timings.workload <= 3 + 2 + 3, "\(result.timings)")
        #expect(result.timings.checks + result.timings.cleanup <= 4 + 3, "\(result.timings)")
        #expect(result.flushes.attempted < scenario.workload.totalFlushes, "the flushes were stopped")
    }

    @Test("a fault-free run reports its phase timings and passes time-limit within both budgets")
    func phaseTimingsAreReported() async throws {
        let scenario = try scenarios(smallScenario(extra: "\"timeLimit\": \"120s\", \"cleanupTimeLimit\": \"30s\""))[0]
        #expect(scenario.cleanupTimeLimit == .seconds(30))
        #expect(try scenarios(smallScenario())[0].cleanupTimeLimit == .seconds(60), "the default")
        let result = try await ScenarioRunner.run(scenario)
        let check = try #require(result.checks.first { $0.name == "time-limit" })
        #expect(check.passed, "\(check.detail)")
        #expect(check.detail.contains("cleanupTimeLimit 30.0 s"), "\(check.detail)")
        #expect(result.timings.workload > 0 && result.timings.workload < 120)
        #expect(result.timings.checks > 0 && result.timings.cleanup >= 0)
        #expect(result.timings.workload + result.timings.checks + result.timings.cleanup <= result.durationSeconds + 0.001)
    }

    @Test("a store that hangs on every write and delete still ends the run within both limits")
    func hangingStoreEndsWithinBothLimits() async throws {
        let scenario = try scenarios(smallScenario(extra: """
            "timeLimit": "2s", "cleanupTimeLimit": "2s",
            "faults": [ { "op": "write", "kind": "hang", "max": "10m" }, { "op": "delete", "kind": "hang", "max": "10m" },
                        { "op": "list", "kind": "hang", "max": "10m" } ]
            """))[0]
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await ScenarioRunner.run(scenario)
        // From the workload's start: the set-up before it (the cache, the store) has its own bound.
        // The slack absorbs scheduling on a loaded 2-core machine (the suites run in parallel);
        // without the phase budgets the run lasts the hang's 10 minutes.
        #expect(result.durationSeconds < 2 + 2 + 8, "\(result.timings)")
        #expect(clock.now - started < .seconds(2 + 2 + 30), "set-up included; \(result.timings)")
        #expect(result.checks.first { $0.name == "time-limit" }?.passed == false)
        #expect(!result.passed)
    }

    @Test("a stuck store is stopped by the time limit, never a hang")
    func timeLimitStopsAStuckRun() async throws {
        let started = ContinuousClock.now
        let result = try await ScenarioRunner.run(try scenarios(smallScenario(extra: """
            "timeLimit": "2s", "faults": [ { "op": "write", "kind": "hang" } ]
            """))[0])
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(result.checks.first { $0.name == "time-limit" }?.passed == false)
        #expect(!result.passed)
    }

    @Test("a read that hangs is stopped by the time limit: the read phase does not outlive it")
    func timeLimitStopsAHangingReadPhase() async throws {
        let started = ContinuousClock.now
        // Without cancellation each read-back would hang 20 s, four attempts in a row.
        let result = try await ScenarioRunner.run(try scenarios(smallScenario(extra: """
            "timeLimit": "8s", "faults": [ { "op": "read", "kind": "hang", "max": "20s" } ]
            """))[0])
        // Well below the 80 s of hanging reads; room for a loaded 2-core machine.
        #expect(ContinuousClock.now - started < .seconds(40))
        #expect(result.flushes.succeeded == 4, "the flushes finished; the reads were stopped")
        #expect(result.checks.first { $0.name == "time-limit" }?.passed == false)
    }
}
