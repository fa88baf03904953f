import ArgumentParser
import Foundation
import Harness

/// `flushbench merge`: combines the results of nodes run on several machines.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the results of the nodes of a multi-node run (run --nodes N --node-index I on each machine) into one document.",
        discussion: """
            Counters and bytes are summed, latency histograms added (percentiles recomputed, never \
            averaged), each node keeps a section. With --check-remote, the remote checks run once \
            over the union of the nodes' objects on AWS_ENDPOINT_URL, which are then removed unless \
            --keep-remote. Exit status: 0 every node's checks (and the union's) hold, 1 some do not, \
            2 a file is not a node's result or the results do not belong together, 5 the endpoint \
            cannot be used.
            """
    )

    @Argument(help: "Result files or directories holding them (searched recursively for *.json).")
    var paths: [String]

    @Option(help: "Directory for the merged result; it writes a time-stamped folder in it.")
    var out = "Results/runs"

    @Flag(help: "Run the remote checks over the union on AWS_ENDPOINT_URL (with the AWS credentials), then remove the nodes' objects.")
    var checkRemote = false

    @Option(help: "The bucket the nodes wrote to (with --check-remote).")
    var bucket = "flushbench"

    @Flag(help: "With --check-remote, keep the nodes' objects after the checks.")
    var keepRemote = false

    func run() async throws {
        let found: (results: [RunResult], skipped: [String])
        do {
            found = try await NodeMerge.readNodeResults(paths)
        } catch {
            printError("\(error)")
            throw ExitCode(.invalidInput)
        }
        for line in found.skipped { printError(line) }
        guard !found.results.isEmpty else {
            printError("no node results found in \(paths.joined(separator: " ")) (a node's result is written by run --nodes N --node-index I)")
            throw ExitCode(.invalidInput)
        }
        var merged: RunResult
        do {
            merged = try RunResult.merge(found.results)
        } catch {
            printError("\(error)")
            throw ExitCode(.invalidInput)
        }
        let expected = found.results.first?.nodeSection?.count ?? 0
        if found.results.count != expected {
            printError("warning: \(found.results.count) node result(s) merged, but the run had \(expected) node(s)")
        }
        if checkRemote {
            do {
                merged = try await NodeMerge.checkRemote(merged, bucket: bucket, keepRemote: keepRemote, notice: { print("    " + $0) })
            } catch {
                printError("\(error)")
                throw ExitCode(.setupFailed)
            }
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let directory = try await ResultWriter.makeRunDirectory(in: out, stamp: stamp)
        let path = try await ResultWriter.write(merged, name: merged.scenario, to: directory)
        try await writeSummary([merged], directory: directory, stamp: stamp)
        print("merged \(found.results.count) node result(s) -> \(path)")
        if !merged.passed { throw ExitCode(.failed) }
    }
}
