import Foundation
import Harness
import ObjectStore
import Servers
import Platform
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("The flushbench binary against an external S3 endpoint: what it keeps, removes and names", .serialized)
struct FlushbenchBinaryExternalStoreTests {
    /// Runs a small s3 scenario against `server` as an external endpoint (the AWS variables).
    func run(_ server: SeaweedFS, _ extra: [String] = []) async throws -> (Binary.Outcome, RunResult?) {
        let file = try LocalTemporary.directory() + "/s3.json"
        try smallScenario(name: "external", store: "s3")
            .replacingOccurrences(of: "\"kind\": \"s3\"", with: "\"kind\": \"s3\", \"bucket\": \"\(server.configuration.bucket)\"")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let out = try LocalTemporary.directory()
        let outcome = try await Binary.run(["run", file, "--out", out] + extra, environment: [
            "AWS_ENDPOINT_URL": server.configuration.endpoint,
            "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": server.configuration.credentials.secretAccessKey,
        ])
        let path = (FileManager.default.subpaths(atPath: out) ?? []).first { $0.hasSuffix("external.json") }
        return (outcome, try path.map { try ResultWriter.read(out + "/" + $0) })
    }

    @Test("--keep-remote keeps the objects; without it they are removed; the next run names other runs' leftovers; SIGINT removes what a run wrote; a second SIGINT exits at once")
    func keepRemoteAndLeftovers() async throws {
        let server = try await SeaweedFS.start(bucket: "flushbench-external")
        do {
            try await keepRemoteAndLeftovers(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func keepRemoteAndLeftovers(_ server: SeaweedFS) async throws {
        let store = S3Store(configuration: server.configuration)

        let (kept, keptResult) = try await run(server, ["--keep-remote"])
        #expect(kept.status == 0, "\(kept.output) \(kept.errors)")
        let keptRun = try #require(keptResult)
        let prefix = try #require(keptRun.remotePrefix)
        let onRemote = try await store.list(prefix: prefix)
        #expect(Set(onRemote.map(\.key)) == Set(keptRun.objects.map(\.key)), "every acknowledged object stays, under its real key")
        #expect(keptRun.objects.count == 8)

        let (removed, removedResult) = try await run(server)
        #expect(removed.status == 0, "\(removed.output) \(removed.errors)")
        #expect(removed.output.contains("the remote holds 8 object(s) and 0 incomplete upload(s) of run \(keptRun.runId ?? "?")"), "\(removed.output)")
        let removedPrefix = try #require(removedResult?.remotePrefix)
        #expect(try await store.list(prefix: removedPrefix).isEmpty, "a run without --keep-remote removes what it wrote")
        #expect(try await store.list(prefix: prefix).count == 8, "another run's objects are named, never removed")

        // Interrupted mid-run: the objects and incomplete uploads it made are removed before it exits 130.
        let file = try LocalTemporary.directory() + "/slow.json"
        try smallScenario(name: "external-slow", store: "s3", flushes: 200, rows: 200_000, extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "100ms" } ]
            """).replacingOccurrences(of: "\"kind\": \"s3\"", with: "\"kind\": \"s3\", \"bucket\": \"\(server.configuration.bucket)\"")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let running = try Binary.command(["run", file, "--out", try LocalTemporary.directory()], environment: [
            "AWS_ENDPOINT_URL": server.configuration.endpoint,
            "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": server.configuration.credentials.secretAccessKey,
        ]).start()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await store.list(prefix: "flushbench/external-slow/").count < 2 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await store.list(prefix: "flushbench/external-slow/").count >= 2, "the run wrote objects before the signal")
        running.send(SIGINT)
        let interrupted = try await BlockingIO.run { running.wait() }
        #expect(interrupted.status == 130, "\(interrupted.standardError)")
        #expect(try await store.list(prefix: "flushbench/external-slow/").isEmpty)
        #expect(try await store.incompleteUploads(prefix: "flushbench/external-slow/").isEmpty)

        try await secondSignalExitsAtOnce(server, store: store)
    }

    /// With the server stopped (SIGSTOP) the clean-up after a first SIGINT cannot finish; a
    /// second SIGINT ends the run at once.
    func secondSignalExitsAtOnce(_ server: SeaweedFS, store: S3Store) async throws {
        let file = try LocalTemporary.directory() + "/stalled.json"
        try smallScenario(name: "external-stalled", store: "s3", flushes: 200, rows: 200_000, extra: """
            "faults": [ { "op": "write", "kind": "latency", "distribution": "fixed", "value": "100ms" } ]
            """).replacingOccurrences(of: "\"kind\": \"s3\"", with: "\"kind\": \"s3\", \"bucket\": \"\(server.configuration.bucket)\"")
            .write(toFile: file, atomically: true, encoding: .utf8)
        // A second signal leaves the work area behind by design: keep it out of the shared $TMPDIR.
        let temporary = try LocalTemporary.directory()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let running = try Binary.command(["run", file, "--out", try LocalTemporary.directory()], environment: [
            "AWS_ENDPOINT_URL": server.configuration.endpoint,
            "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": server.configuration.credentials.secretAccessKey,
            "TMPDIR": temporary,
        ]).start()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await store.list(prefix: "flushbench/external-stalled/").count < 2 {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(server.pid, SIGSTOP)
        running.send(SIGINT)
        try await Task.sleep(for: .seconds(2))
        #expect(isRunning(running.processIdentifier), "the first signal starts a clean-up that waits for the stalled server")
        let second = ContinuousClock.now
        running.send(SIGINT)
        let outcome = try await BlockingIO.run { running.wait() }
        kill(server.pid, SIGCONT)
        #expect(outcome.status == 130)
        #expect(ContinuousClock.now - second < .seconds(5), "the second signal exits at once")
    }

    /// Whether `pid` is alive (not exited, not a zombie).
    func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
