import ArgumentParser
import Foundation
import Harness

/// `flushbench report`: prints result documents as Markdown and, with `--html`, renders an HTML
/// report of them (several runs side by side) with its charts as `.svg` files beside it.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print result documents (JSON written by `run`) as a Markdown report; --html renders them side by side.",
        discussion: """
            Each argument is a result file or a run directory (its *.json result documents, searched \
            recursively). Exit status: 0 when every run passed, 1 when some did not, 2 when an \
            argument is not a result document or the report cannot be written.
            """
    )

    @Argument(help: "Result files (*.json) or run directories.")
    var paths: [String]

    @Option(help: "Also write an HTML report (self-contained, SVG charts, no script) here; its charts are written beside it as .svg files.")
    var html: String?

    func run() async throws {
        var entries: [HTMLReport.Entry] = []
        var problems: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append("\(path): no such file or directory")
                continue
            }
            let files = isDirectory.boolValue
                ? (FileManager.default.subpaths(atPath: path) ?? []).filter { $0.hasSuffix(".json") && $0 != "thresholds.json" }.sorted()
                    .map { "\(path)/\($0)" }
                : [path]
            if files.isEmpty { problems.append("\(path): no result documents (*.json) in this directory") }
            for file in files {
                do {
                    let result = try ResultWriter.read(file)
                    let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                    let run = ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent
                    entries.append(HTMLReport.Entry(label: paths.count > 1 && isDirectory.boolValue ? "\(run)/\(stem)" : stem, result: result))
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        if !problems.isEmpty {
            for problem in problems { printError(problem) }
            throw ExitCode(.invalidInput)
        }
        var seen: [String: Int] = [:]
        for index in entries.indices {
            seen[entries[index].label, default: 0] += 1
            if let count = seen[entries[index].label], count > 1 { entries[index].label += "-\(count)" }
        }
        let results = entries.map(\.result)
        print(ResultWriter.summaryTable(results))
        for result in results {
            print("")
            print(ResultWriter.markdown(result))
        }
        if let html {
            do {
                try await HTMLReport.write(entries, title: "flushbench report: " + paths.joined(separator: ", "), to: html)
                print("")
                print("report: \(html) (charts beside it as .svg files)")
            } catch {
                printError("\(error)")
                throw ExitCode(.invalidInput)
            }
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(.failed) }
    }
}
