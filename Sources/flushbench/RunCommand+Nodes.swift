import ArgumentParser
import Foundation
import Harness

#if canImport(Glibc)
import Glibc
#endif

/// `flushbench run --nodes N [--node-index I]`: many datanodes on one endpoint.
struct NodeOptions: ParsableArguments {
    @Option(help: "Run the scenario as N datanodes against one endpoint: N runner processes, each with its own cache and regions (node i writes under PREFIX/flushbench/SCENARIO/node-<i>/), merged into one result; the remote checks run once over the union. With --node-index, this process is only node I (for runs across machines; merge their results with `flushbench merge`).")
    var nodes: Int?

    @Option(help: "Run only node I (0-based) of --nodes N against AWS_ENDPOINT_URL, keeping its objects for `flushbench merge`.")
    var nodeIndex: Int?

    @Option(help: ArgumentHelp("The run id the nodes share (set by the parent of --nodes).", visibility: .hidden))
    var runId: String?

    @Option(help: ArgumentHelp("Stop (as after SIGTERM) when this process is gone (set by the parent of --nodes).", visibility: .hidden))
    var parentPid: Int32?

    @Flag(help: ArgumentHelp("The parent plays the scenario's cluster faults (set by the parent of --nodes).", visibility: .hidden))
    var clusterFaultsByParent = false

    /// Whether this process starts the nodes (rather than being one).
    var isParent: Bool { nodes != nil && nodeIndex == nil }

    func validate(repetitions: Int, workDir: String?) throws {
        if let nodes, !(1...MultiNodeRun.maxNodes).contains(nodes) {
            throw ValidationError("--nodes must be between 1 and \(MultiNodeRun.maxNodes), found \(nodes)")
        }
        if let nodeIndex {
            guard let nodes else { throw ValidationError("--node-index needs --nodes N (the number of nodes in the run)") }
            guard (0..<nodes).contains(nodeIndex) else { throw ValidationError("--node-index must be between 0 and \(nodes - 1) for --nodes \(nodes), found \(nodeIndex)") }
        }
        if let runId, RunID(runId) == nil {
            throw ValidationError("--run-id must look like 20261201T020000Z-p4242-9f3a (a run id flushbench made), found '\(runId)'")
        }
        if nodes != nil, repetitions > 1 { throw ValidationError("--nodes runs a scenario once: drop --repeat") }
        if nodes != nil, workDir != nil { throw ValidationError("--nodes gives every node a work area of its own: drop --work-dir") }
    }

    /// This process's node, when it is one.
    func assignment() throws -> NodeAssignment? {
        guard let nodes, let nodeIndex else { return nil }
        return NodeAssignment(index: nodeIndex, count: nodes, runID: runId.flatMap(RunID.init), clusterFaultsByParent: clusterFaultsByParent)
    }

    /// When started by a parent, ends this node (as SIGTERM does: flushes stopped, what it made
    /// removed) once the parent is gone, so no node outlives a killed parent.
    func watchParent() {
        guard let parentPid else { return }
        Task.detached {
            while getppid() == parentPid {
                try? await Task.sleep(for: .milliseconds(500))
            }
            // The parent read this node's output through pipes: with it gone, a write would end
            // the node by SIGPIPE before its clean-up. Write to /dev/null from here on.
            signal(SIGPIPE, SIG_IGN)
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 {
                dup2(null, STDOUT_FILENO)
                dup2(null, STDERR_FILENO)
                close(null)
            }
            kill(getpid(), SIGTERM)
        }
    }
}

extension RunCommand {
    /// The parent of `--nodes N`: starts the store and the nodes, merges, checks, cleans up.
    func runNodes(_ scenarios: [Scenario]) async throws {
        guard scenarios.count == 1, files.count == 1, let scenario = scenarios.first, let nodes = nodeOptions.nodes else {
            printError("--nodes runs one scenario: give one file holding one scenario (found \(scenarios.count) scenario(s) in \(files.count) file(s))")
            throw ExitCode(.invalidInput)
        }
        let progress = ProgressPrinter()
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let directory = try await ResultWriter.makeRunDirectory(in: out, stamp: stamp)
        let interruption = Interruption.install { signal in
            printError("\nflushbench: \(signal == SIGINT ? "SIGINT" : "SIGTERM") received: stopping the nodes and removing what they made")
        }
        progress.line("[1/1] \(scenario.name) on \(nodes) node(s): \(scenario.description)")
        let options = MultiNodeRun.Options(
            nodes: nodes, executable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0],
            file: files[0], resultsDirectory: directory + "/nodes", seedOverride: seed, keepRemote: keepRemote,
            notice: { progress.line("    " + $0) })
        let result: RunResult
        do {
            result = try await interruption.run { try await MultiNodeRun.run(scenario, options: options) }
        } catch let error as ScenarioError {
            printError(error.description)
            throw ExitCode(.invalidInput)
        } catch {
            printError("\(error)")
            if let status = interruption.exitStatus { throw ExitCode(status) }
            throw ExitCode(.setupFailed)
        }
        let path = try await ResultWriter.write(result, name: scenario.name, to: directory)
        progress.line("    \(result.passed ? "PASS" : "FAIL") on \(nodes) node(s): \(result.flushes.succeeded)/\(result.flushes.attempted) flushes, "
            + String(format: "goodput %.1f MiB/s (attempted %.1f)", result.throughput.acknowledgedMiBps, result.throughput.attemptedMiBps)
            + " -> \(path)")
        for check in result.checks where !check.passed { progress.line("      \(check.name): \(check.detail)") }
        for expectation in result.expectations where !expectation.passed {
            progress.line("      \(expectation.name): expected \(expectation.expected), got \(expectation.actual)")
        }
        try await writeSummary([result], directory: directory, stamp: stamp)
        if let status = interruption.exitStatus { throw ExitCode(status) }
        if !result.passed { throw ExitCode(.failed) }
    }
}

/// Writes `summary.md` for `results` into `directory` and prints the table.
func writeSummary(_ results: [RunResult], directory: String, stamp: String) async throws {
    let summary = "# flushbench run \(stamp)\n\n" + ResultWriter.summaryTable(results) + "\n\n"
        + results.map(ResultWriter.markdown).joined(separator: "\n\n") + "\n"
    try await ResultWriter.writeFile(Data(summary.utf8), to: directory + "/summary.md")
    print("")
    print(ResultWriter.summaryTable(results))
    print("")
    print("results: \(directory)/ (summary.md and the JSON document)")
}
