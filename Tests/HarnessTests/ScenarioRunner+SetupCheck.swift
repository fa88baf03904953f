import Foundation
import Harness
import ObjectStore
import Servers
import Testing

/// One SeaweedFS for the setup-check tests (they never change it: a missing bucket, wrong keys).
private enum SetupServer {
    static let server = Task<SeaweedFS, any Error> { try await SeaweedFS.start(bucket: "present") }
}

@Suite("Setup errors fail fast: checked before any flush, exit 5, naming endpoint and bucket, never a secret", .serialized)
struct ScenarioRunnerSetupCheckTests {
    static func s3Scenario(bucket: String) -> String {
        smallScenario(name: "setup-check", store: "s3").replacingOccurrences(of: "{ \"kind\": \"s3\" }",
                                                                              with: "{ \"kind\": \"s3\", \"bucket\": \"\(bucket)\" }")
    }

    /// Runs the built binary on `scenario` with `environment` added to this process's own.
    static func runBinary(_ scenario: String, environment: [String: String]) throws -> (status: Int32, errors: String, seconds: Double, out: String) {
        let directory = try LocalTemporary.directory()
        let file = directory + "/scenario.json"
        try scenario.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = ["run", file, "--out", directory + "/results"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        let started = Date()
        try process.run()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors, as: UTF8.self), Date().timeIntervalSince(started), directory + "/results")
    }

    static func environment(_ server: SeaweedFS, secret: String? = nil) -> [String: String] {
        ["AWS_ENDPOINT_URL": server.configuration.endpoint,
         "AWS_ACCESS_KEY_ID": server.configuration.credentials.accessKeyID,
         "AWS_SECRET_ACCESS_KEY": secret ?? server.configuration.credentials.secretAccessKey]
    }

    @Test("a missing bucket stops the run at setup: exit 5 within seconds, naming endpoint and bucket, no flush, no result")
    func missingBucketFailsFast() async throws {
        let server = try await SetupServer.server.value
        let outcome = try Self.runBinary(Self.s3Scenario(bucket: "no-such-bucket"), environment: Self.environment(server))
        #expect(outcome.status == 5, "\(outcome.errors)")
        #expect(outcome.seconds < 10)
        #expect(outcome.errors.contains(server.configuration.endpoint), "\(outcome.errors)")
        #expect(outcome.errors.contains("no-such-bucket"), "\(outcome.errors)")
        #expect(outcome.errors.contains("does not exist"), "\(outcome.errors)")
        #expect(!outcome.errors.contains(server.configuration.credentials.secretAccessKey))
        #expect(!FileManager.default.fileExists(atPath: outcome.out), "nothing ran, so nothing was written")
    }

    @Test("wrong credentials stop the run at setup: exit 5, the secret never printed")
    func wrongCredentialsFailFast() async throws {
        let server = try await SetupServer.server.value
        let secret = "WrongSecret" + String(UUID().uuidString.prefix(12))
        let outcome = try Self.runBinary(Self.s3Scenario(bucket: "present"), environment: Self.environment(server, secret: secret))
        #expect(outcome.status == 5, "\(outcome.errors)")
        #expect(outcome.seconds < 10)
        #expect(outcome.errors.contains("credentials"), "\(outcome.errors)")
        #expect(outcome.errors.contains(server.configuration.endpoint) && outcome.errors.contains("present"), "\(outcome.errors)")
        #expect(!outcome.errors.contains(secret))
    }

    @Test("an endpoint where nothing listens stops the run at setup with exit 5")
    func unreachableEndpointFailsFast() throws {
        let outcome = try Self.runBinary(Self.s3Scenario(bucket: "present"),
                                         environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SECRETVALUE"])
        #expect(outcome.status == 5, "\(outcome.errors)")
        #expect(outcome.seconds < 10)
        #expect(outcome.errors.contains("http://127.0.0.1:9") && outcome.errors.contains("endpoint"), "\(outcome.errors)")
        #expect(!outcome.errors.contains("SECRETVALUE"))
    }

    @Test("the runner throws a setup error before any flush: the bucket is checked first")
    func runnerChecksBeforeFlushing() async throws {
        let server = try await SetupServer.server.value
        var options = RunOptions()
        options.environment = Self.environment(server)
        do {
            _ = try await ScenarioRunner.run(try scenarios(Self.s3Scenario(bucket: "absent"))[0], options: options)
            Issue.record("the run went ahead without its bucket")
        } catch let error as RunSetupError {
            #expect(error.code == "bucket")
            #expect(error.exitStatus == .setupFailed)
        }
    }
}
