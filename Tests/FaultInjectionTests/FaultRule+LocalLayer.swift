import FaultInjection
import Foundation
import Platform
import Testing

@Suite("FaultRule: the local layer's disk errors decode, and what cannot apply is rejected")
struct FaultRuleLocalLayerTests {
    struct Scenario: Codable {
        var faults: [FaultRule]
    }

    struct Failure: Error {
        let message: String
    }

    func decode(_ rule: String) -> Result<FaultRule, Failure> {
        do {
            return .success(try JSONDecoder().decode(Scenario.self, from: Data(#"{"faults": [\#(rule)]}"#.utf8)).faults[0])
        } catch {
            return .failure(Failure(message: DecodingErrorText.describe(error)))
        }
    }

    func message(_ rule: String) -> String? {
        if case .failure(let failure) = decode(rule) { return failure.message }
        return nil
    }

    @Test("enospc on write and eio on fsync decode to local rules, encode back and map onto the file layer")
    func localRulesDecode() throws {
        let rule = try decode(#"{"layer": "local", "op": "write", "kind": "enospc", "path": "*.parquet*", "nth": [2], "probability": 0.5, "maxCount": 1}"#).get()
        #expect(rule.layer == .local)
        #expect(rule.localFault == .enospc)
        #expect(rule.operation == .write)
        let local = try #require(rule.localRule)
        #expect(local.operation == .write && local.kind == .enospc && local.nth == [2] && local.maxCount == 1)
        #expect(local.pathMatches?("/c/tmp/1.x.parquet.0badf00d.tmp") == true)
        #expect(local.pathMatches?("/c/tmp/1.x.puffin.0badf00d.tmp") == false)
        let encoded = try JSONEncoder().encode(rule)
        let again = try JSONDecoder().decode(FaultRule.self, from: encoded)
        #expect(again == rule)
        let fsync = try decode(#"{"layer": "local", "op": "fsync", "kind": "eio"}"#).get()
        #expect(fsync.localRule?.operation == .fsync)
        #expect(fsync.localRule?.kind == .eio)
        #expect(try FaultPlan(seed: 1, rules: [rule, fsync]).hasLocalRules)
    }

    @Test("store kinds, store operations and windows on the local layer, and disk errors elsewhere, are rejected at their field")
    func whatCannotApplyIsRejected() {
        #expect(message(#"{"layer": "local", "op": "write", "kind": "latency", "value": "1ms"}"#)?.contains("faults[0].kind") == true)
        #expect(message(#"{"layer": "local", "op": "read", "kind": "eio"}"#)?.contains("faults[0].op") == true)
        #expect(message(#"{"layer": "local", "op": "*", "kind": "eio"}"#)?.contains("write or fsync") == true)
        #expect(message(#"{"layer": "local", "op": "write", "kind": "eio", "window": [0, 5]}"#)?.contains("faults[0].window") == true)
        #expect(message(#"{"layer": "local", "op": "write", "kind": "eio", "error": "SlowDown"}"#)?.contains("faults[0].error") == true)
        #expect(message(#"{"op": "write", "kind": "enospc"}"#)?.contains("faults[0].kind") == true, "a disk error needs the local layer")
        #expect(message(#"{"op": "fsync", "kind": "error", "error": "SlowDown"}"#) != nil, "fsync is not a store operation")
    }

    @Test("a plan's local rules inject through the file layer and are traced with layer local and the plan's rule index")
    func planInjectsAndTraces() throws {
        let store = try decode(#"{"op": "read", "kind": "error", "error": "SlowDown"}"#).get()
        let local = try decode(#"{"layer": "local", "op": "write", "kind": "enospc", "nth": [1]}"#).get()
        let plan = try FaultPlan(seed: 3, rules: [store, local])
        let trace = FaultTrace()
        let fs = plan.localFileSystem(over: InMemoryFileSystem(), trace: trace)
        try fs.createDirectories("/c")
        let file = try fs.createExclusive("/c/f")
        #expect(throws: LocalFileError.self) { try fs.write(file, [1], at: 0) }
        try fs.write(file, [1], at: 0)
        let records = trace.records()
        #expect(records.count == 1)
        #expect(records.first?.layer == .local)
        #expect(records.first?.rule == 1)
        #expect(records.first?.detail.contains("ENOSPC") == true)
        #expect(FaultPlan.empty.localFileSystem(over: PosixFileSystem(), trace: trace) is PosixFileSystem)
    }
}
