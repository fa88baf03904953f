import Foundation
import ObjectStore
import Platform

/// `flushbench merge DIR...`: the results of nodes run on several machines
/// (`--nodes N --node-index I`), merged into one document, with the remote checks over their union
/// when the endpoint is reachable from here.
public enum NodeMerge {
    /// Every node result (a document with one node section) in `paths` (files, or directories
    /// searched recursively for `*.json`), and what was skipped, as sentences.
    ///
    /// - Errors: ``ResultFileError`` when a path does not exist or a `.json` file is not a result.
    public static func readNodeResults(_ paths: [String]) async throws -> (results: [RunResult], skipped: [String]) {
        try await BlockingIO.run {
            var results: [RunResult] = []
            var skipped: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ResultFileError(file: path, message: "no such file or directory")
                }
                let files = isDirectory.boolValue
                    ? (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".json") }.sorted().map { path + "/" + $0 }
                    : [path]
                for file in files {
                    let result = try ResultWriter.read(file)
                    if result.nodeSection != nil {
                        results.append(result)
                    } else {
                        skipped.append("skipped \(file): not one node's result (\(result.nodes.map { "a merged document of \($0.count) nodes" } ?? "a single run"))")
                    }
                }
            }
            return (results, skipped)
        }
    }

    /// Runs the union checks on the S3 endpoint of the environment (`AWS_ENDPOINT_URL` and the
    /// AWS credentials) and, unless `keepRemote`, removes what the nodes wrote.
    ///
    /// - Errors: ``RunSetupError`` when the environment names no endpoint or credentials.
    public static func checkRemote(_ merged: RunResult, bucket: String, keepRemote: Bool, environment: [String: String]? = nil,
                                   notice: (@Sendable (String) -> Void)? = nil) async throws(RunSetupError) -> RunResult {
        let configuration: S3Configuration?
        do {
            configuration = try S3Configuration.fromEnvironment(bucket: bucket, environment: environment)
        } catch {
            throw RunSetupError(code: "store", scenario: merged.scenario, message: error.message)
        }
        guard let configuration else {
            throw RunSetupError(code: "endpoint", scenario: merged.scenario,
                                message: "--check-remote needs the endpoint the nodes wrote to: set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let store = S3Store(configuration: configuration)
        var result = merged.addingChecks(await NodeUnionChecks.run(merged, store: store))
        result.checks = result.checks.map { check in
            var redacted = check
            redacted.detail = Redaction.redact(check.detail, secrets: [configuration.credentials.secretAccessKey])
            return redacted
        }
        if !keepRemote {
            for line in await NodeUnionChecks.removeAll(merged, store: store) { notice?(line) }
        }
        return result
    }
}
