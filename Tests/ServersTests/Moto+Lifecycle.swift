#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ObjectStore
import Platform
import Servers
import Testing

@Suite("Managed moto server")
struct MotoLifecycleTests {
    @Test("moto starts on a loopback port with its bucket, and stop ends the process and removes its directory")
    func startsAndStopsLeavingNothing() async throws {
        let server = try await Moto.start(bucket: "lifecycle")
        #expect(server.configuration.endpoint == "http://127.0.0.1:\(server.port)")
        let store = S3Store(configuration: server.configuration)
        try await store.put(key: "k", bytes: [1, 2, 3])
        #expect(try await store.readAll(key: "k") == [1, 2, 3])
        #expect(kill(server.pid, 0) == 0)
        #expect(FileManager.default.fileExists(atPath: server.directory))
        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.directory))
        // Bounded: the watchdog kills with SIGKILL 0.3 s after SIGTERM; reaping may lag a moment.
        var alive = true
        for _ in 0..<50 where alive {
            alive = kill(server.pid, 0) == 0
            if alive { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!alive, "moto_server (pid \(server.pid)) outlived stop()")
    }
}

/// Runs the built `flushbench` executable, as a user does.
enum FlushbenchBinary {
    /// The executable next to the test bundle (`swift build --build-tests` builds both).
    static let path: String = {
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        return url.appendingPathComponent("flushbench").path
    }()

    /// The repository root (three levels above this file).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Runs `flushbench arguments` with `environment` added; returns the exit status and the
    /// combined output (one pipe, so a child filling stderr cannot deadlock the reader).
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

@Suite("Shipped s3 scenarios on moto")
struct MotoScenarioTests {
    @Test("the shipped s3-large-multipart scenario passes on moto through AWS_ENDPOINT_URL, bucket flushbench")
    func shippedMultipartScenarioPassesOnMoto() async throws {
        let server = try await Moto.start(bucket: "flushbench")
        defer { Task { await server.stop() } }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("flushbench-moto-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let credentials = server.configuration.credentials
        let environment = [
            "AWS_ENDPOINT_URL": server.configuration.endpoint,
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_REGION": server.configuration.region,
        ]
        // On the blocking-I/O pool: waiting for the child on a cooperative thread stalls other tests.
        let outcome = try await BlockingIO.run {
            try FlushbenchBinary.run(["run", "Scenarios/s3-large-multipart.json", "--out", out], environment: environment)
        }
        #expect(outcome.status == 0, "flushbench run on moto failed:\n\(outcome.output)\nmoto's log:\n\(server.logTail())")
        #expect(outcome.output.contains("PASS"), "\(outcome.output)")
    }
}
