import FaultInjection
import Foundation

extension ResultWriter {
    /// The Markdown of a run's node faults (events, outages) and of a multi-node run's nodes.
    static func clusterMarkdown(_ result: RunResult) -> [String] {
        var lines: [String] = []
        if let events = result.faults.nodeFaults, !events.isEmpty {
            lines += ["", "Node faults (wall-clock, seconds from the start of the workload):", "",
                      "| at s | rule | node | action | detail |", "| ---: | ---: | --- | --- | --- |"]
            for event in events {
                lines.append(String(format: "| %.2f | ", event.atSeconds) + "\(event.rule) | \(event.node) | \(event.action) | \(event.detail) |")
            }
        }
        if let outages = result.outages, !outages.isEmpty {
            lines += ["", "| outage | down at s | back at s | retries meanwhile | baseline MiB/s | throughput recovered after s |",
                      "| --- | ---: | ---: | ---: | ---: | ---: |"]
            for outage in outages {
                func shown(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "—" }
                lines.append("| \(outage.kind) \(outage.node) | \(shown(outage.downAtSeconds)) | \(shown(outage.backAtSeconds)) | "
                    + "\(outage.retriesDuringOutage.map(String.init) ?? "—") | \(shown(outage.baselineMiBps)) | \(shown(outage.timeToRecoverSeconds)) |")
            }
        }
        if let nodes = result.nodes, nodes.count > 1 {
            lines += ["", "Nodes (each its own process, cache and regions; the figures above are their sum, latencies from merged histograms):", "",
                      "| node | result | flushes ok / failed | goodput MiB/s | flush p99 ms | objects | failed checks |",
                      "| ---: | --- | ---: | ---: | ---: | ---: | --- |"]
            for node in nodes {
                lines.append("| \(node.index) | \(node.passed ? "PASS" : "FAIL") | \(node.flushes.succeeded) / \(node.flushes.failed) | "
                    + String(format: "%.1f", node.throughput.acknowledgedMiBps) + " | "
                    + (node.latency["flush"].map { String(format: "%.1f", $0.p99Ms) } ?? "—") + " | \(node.objects) | "
                    + (node.failed.isEmpty ? "none" : node.failed.joined(separator: "; ").replacingOccurrences(of: "|", with: "/")) + " |")
            }
        }
        return lines
    }
}
