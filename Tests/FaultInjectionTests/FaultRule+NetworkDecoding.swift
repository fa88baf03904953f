import FaultInjection
import Foundation
import ObjectStore
import Testing

/// Network rules in scenario JSON: each kind decodes to what it means and survives a round trip.
@Suite("FaultRule decoding: the network layer")
struct FaultRuleNetworkDecodingTests {
    @Test func everyNetworkKindRoundTrips() throws {
        let all = try rules("""
            [{"layer": "network", "op": "PutObject", "kind": "error", "error": "SlowDown", "retryAfter": "2s"},
             {"layer": "network", "op": "write", "kind": "partial", "afterBytes": "1MiB", "nth": [1]},
             {"layer": "network", "op": "UploadPart", "kind": "ackLost", "probability": 0.5},
             {"layer": "network", "op": "GetObject", "kind": "truncate", "afterBytes": "64KiB"},
             {"layer": "network", "op": "stat", "kind": "hang", "max": "3s"},
             {"layer": "network", "op": "*", "kind": "latency", "value": "5ms"},
             {"layer": "network", "op": "*", "kind": "bandwidth", "bytesPerSecond": "8MiB"},
             {"layer": "network", "op": "CompleteMultipartUpload", "kind": "error200"}]
            """)
        #expect(all[0] == FaultRule(operation: .write, fault: .error(InjectedError(code: .slowDown, retryAfter: .seconds(2))),
                                    layer: .network, s3Operation: .putObject))
        #expect(all[3].fault == .truncate(.afterBytes(64 << 10)) && all[3].s3Operation == .getObject && all[3].operation == .read)
        #expect(all[7].fault == .error200(InjectedError(code: .internalError)))
        #expect(all[1].networkOperations == [.putObject, .uploadPart, .completeMultipartUpload])
        #expect(all[4].networkOperations == [.headObject])
        let encoded = try JSONEncoder().encode(all)
        #expect(try JSONDecoder().decode([FaultRule].self, from: encoded) == all)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""op":"CompleteMultipartUpload""#))
    }

    @Test func networkRulesDecideFromOperationKeyPartAndAttempt() throws {
        let plan = try FaultPlan(seed: 3, rules: try rules("""
            [{"layer": "network", "op": "UploadPart", "kind": "error", "error": "InternalError", "probability": 0.5}]
            """))
        func hit(_ part: UInt64, _ attempt: Int) -> Bool {
            plan.decideNetwork(FaultPlan.NetworkAttempt(operation: .uploadPart, key: "k", part: part, attempt: attempt)).outcome != nil
        }
        let hits = (1...64).map { hit(UInt64($0), 1) }
        #expect(hits.contains(true) && hits.contains(false))
        #expect((1...64).map { hit(UInt64($0), 1) } == hits)
        #expect((1...64).map { hit(UInt64($0), 2) } != hits)
        // Other operations are never hit by it; the store layer leaves network rules alone.
        #expect(plan.decideNetwork(FaultPlan.NetworkAttempt(operation: .putObject, key: "k", attempt: 1)).isEmpty)
        #expect(!plan.affects(.write))
    }
}
