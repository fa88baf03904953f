import Foundation

extension ScenarioLoader {
    /// Decodes `workload.arrival.trace`: the path of a JSON Lines trace, relative to the scenario
    /// file's folder (or absolute), read and checked now so a bad line is reported by
    /// `validate` as `FILE:LINE: message` under the trace's JSON path.
    static func decodeTrace(_ value: JSONValue, path: String, scenarioFile: String, reader: inout ScenarioReader) -> ArrivalTrace? {
        guard let name = reader.string(value, path) else { return nil }
        guard !name.isEmpty else {
            reader.report(path, "expected the path of a JSON Lines trace such as \"traces/steady.jsonl\", found an empty string")
            return nil
        }
        let folder = (scenarioFile as NSString).deletingLastPathComponent
        let resolved = name.hasPrefix("/") || folder.isEmpty ? name : folder + "/" + name
        switch ArrivalTrace.read(resolved) {
        case .success(let trace):
            return trace
        case .failure(let problems):
            for line in problems.lines { reader.report(path, "the trace cannot be replayed: \(line)") }
            return nil
        }
    }
}
