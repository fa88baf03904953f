public import FaultInjection
import Foundation

/// A fault file for `flushbench simulate --faults FILE`: a JSON list of fault rules, written
/// as in a scenario's `faults` (see `Scenarios/scenario.schema.json`).
public enum FaultFile {
    /// Reads and checks the rules of `path`.
    ///
    /// Rules the simulator cannot honour are rejected, never ignored: `crash` (it would end the
    /// process) and the `network` layer (no proxy runs in a simulation).
    /// - Errors: ``SimulationError`` (`badInput`) naming the file and the JSON path
    ///   (`faults[2].probability: expected a number between 0 and 1, found 1.5`).
    public static func load(path: String) throws(SimulationError) -> [FaultRule] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SimulationError(code: .badInput, message: "cannot read the fault file '\(path)': \((error as NSError).localizedDescription)")
        }
        return try decode(data, name: path)
    }

    /// Decodes and checks the rules in `data`, read from `name`.
    static func decode(_ data: Data, name: String) throws(SimulationError) -> [FaultRule] {
        let rules: [FaultRule]
        do {
            rules = try JSONDecoder().decode([FaultRule].self, from: data)
        } catch {
            throw SimulationError(code: .badInput,
                                  message: "the fault file '\(name)' (a JSON list of fault rules): faults\(DecodingErrorText.describe(error).droppingDocumentMarker)")
        }
        for (index, rule) in rules.enumerated() {
            if rule.fault.kind == .crash {
                throw SimulationError(code: .badInput,
                                      message: "the fault file '\(name)': faults[\(index)].kind: 'crash' ends the process and cannot run in a simulation (use flushbench crash)")
            }
            if rule.layer != .store {
                throw SimulationError(code: .badInput,
                                      message: "the fault file '\(name)': faults[\(index)].layer: only store-layer rules act in a simulation, found '\(rule.layer.rawValue)'")
            }
        }
        return rules
    }
}

extension String {
    /// `[2].probability: ...` for a path given from the document's root (`$: ...` becomes `: ...`).
    fileprivate var droppingDocumentMarker: String {
        hasPrefix("$") ? String(dropFirst()) : self
    }
}
