import Foundation
import Harness

/// Loads scenarios from JSON text (with the real fault validator).
func scenarios(_ json: String, file: String = "test.json") throws(ScenarioError) -> [Scenario] {
    try ScenarioLoader.load(data: Data(json.utf8), file: file, validateFault: ScenarioFaults.validator)
}

/// The issues a scenario text produces (empty when it loads).
func issues(_ json: String) -> [ScenarioIssue] {
    do {
        _ = try scenarios(json)
        return []
    } catch {
        return error.issues
    }
}

/// A small valid scenario with `extra` fields spliced into its top level.
func smallScenario(name: String = "small", store: String = "memory", flushes: Int = 4, rows: Int = 2000,
                   extra: String = "") -> String {
    """
    {
      "name": "\(name)",
      "description": "a test scenario",
      "seed": 42,
      "store": { "kind": "\(store)" },
      "cache": { "capacity": "64MiB" },
      "upload": { "partSize": "\(store == "s3" ? "5MiB" : "64KiB")", "concurrency": 4,
                  "retry": { "maxAttempts": 4, "initialBackoff": "1ms", "maxBackoff": "5ms" } },
      "workload": { "regions": 2, "flushesPerRegion": \(flushes / 2), "concurrency": 2, "rowsPerFlush": \(rows), "rowGroupSize": 512,
                    "reads": { "afterFlush": true, "evictFirst": true } }\(extra.isEmpty ? "" : ",\n  " + extra)
    }
    """
}

/// The repository root (tests run from it under `swift test`).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
