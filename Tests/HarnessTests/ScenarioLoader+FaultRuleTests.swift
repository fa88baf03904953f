import Foundation
import Harness
import Testing

@Suite("Scenario fault rules: a rule that cannot fire does not pass")
struct ScenarioLoaderFaultRuleTests {
    func fault(_ fields: String) -> String {
        smallScenario(extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"error\", \"error\": \"SlowDown\", \(fields) } ]")
    }

    @Test("a rule for a fault layer that cannot take effect here, or does not exist, is rejected at its path",
          arguments: [("cluster", "not available"), ("disk", "expected \"store\", \"network\" or \"local\"")])
    func unavailableLayerRejected(layer: String, message: String) {
        let found = issues(fault("\"layer\": \"\(layer)\""))
        #expect(found.map(\.path) == ["faults[0].layer"], "\(found)")
        #expect(found.first?.message.contains(message) == true, "\(found)")
    }

    @Test("a store fault kind on the local layer is rejected at its kind, naming the disk errors")
    func storeKindOnLocalLayerRejected() {
        let found = issues(fault("\"layer\": \"local\""))
        #expect(found.map(\.path) == ["faults[0].kind"], "\(found)")
        #expect(found.first?.message.contains("enospc or eio") == true, "\(found)")
    }

    @Test("the store layer is accepted")
    func storeLayerAccepted() {
        #expect(issues(fault("\"layer\": \"store\"")).isEmpty)
    }

    @Test("maxCount 0 would never fire and is rejected")
    func maxCountZeroRejected() {
        let found = issues(fault("\"maxCount\": 0"))
        #expect(found.map(\.path) == ["faults[0].maxCount"], "\(found)")
    }

    @Test("a path glob longer than any key is rejected quickly with a short message")
    func hugeGlobRejected() {
        let started = ContinuousClock.now
        let found = issues(fault("\"path\": \"\(String(repeating: "*a", count: 200_000))\""))
        #expect(found.map(\.path) == ["faults[0].path"], "\(found)")
        #expect((found.first?.message.count ?? 0) < 300)
        #expect(ContinuousClock.now - started < .seconds(10), "a 400 KB glob once took minutes to match")
    }

    @Test("an unknown key in a fault rule that is not a plain name has an unambiguous path")
    func oddKeyInFault() {
        let found = issues(fault("\"a: b\": 1"))
        #expect(found.map(\.path) == ["faults[0][\"a\\u003A b\"]"], "\(found)")
    }

    // MARK: The network layer

    func networkFault(_ rule: String, store: String = "s3", storeFields: String = "") -> [ScenarioIssue] {
        var json = smallScenario(store: store, extra: "\"faults\": [ \(rule) ]")
        if !storeFields.isEmpty { json = json.replacingOccurrences(of: "\"kind\": \"s3\" }", with: "\"kind\": \"s3\", \(storeFields) }") }
        return issues(json)
    }

    @Test("every network kind is accepted on an s3 store, with S3 or store operations")
    func networkKindsAccepted() {
        for rule in [
            #"{ "layer": "network", "op": "PutObject", "kind": "error", "error": "SlowDown" }"#,
            #"{ "layer": "network", "op": "write", "kind": "partial", "afterBytes": "1MiB" }"#,
            #"{ "layer": "network", "op": "UploadPart", "kind": "ackLost", "nth": [1] }"#,
            #"{ "layer": "network", "op": "GetObject", "kind": "truncate", "afterBytes": "64KiB" }"#,
            #"{ "layer": "network", "op": "stat", "kind": "hang", "max": "2s" }"#,
            #"{ "layer": "network", "op": "*", "kind": "latency", "value": "5ms" }"#,
            #"{ "layer": "network", "op": "*", "kind": "bandwidth", "bytesPerSecond": "8MiB" }"#,
            #"{ "layer": "network", "op": "CompleteMultipartUpload", "kind": "error200" }"#,
        ] {
            #expect(networkFault(rule).isEmpty, "\(rule): \(networkFault(rule))")
        }
    }

    @Test("a network rule on a store other than s3 is rejected at its layer", arguments: ["memory", "fs"])
    func networkNeedsS3(store: String) {
        let found = networkFault(#"{ "layer": "network", "op": "write", "kind": "error", "error": "SlowDown" }"#, store: store)
        #expect(found.map(\.path) == ["faults[0].layer"], "\(found)")
        #expect(found.first?.message.contains("needs the s3 store") == true, "\(found)")
    }

    @Test("a network rule in front of an https endpoint is rejected: the proxy could not see into it")
    func networkRejectsHTTPS() {
        let found = networkFault(#"{ "layer": "network", "op": "write", "kind": "error", "error": "SlowDown" }"#,
                                 storeFields: #""endpoint": "https://s3.example.test""#)
        #expect(found.map(\.path) == ["faults[0].layer"], "\(found)")
        #expect(found.first?.message.contains("HTTPS") == true, "\(found)")
    }

    @Test("what cannot take effect on the network layer is rejected at its path", arguments: [
        (#"{ "op": "PutObject", "kind": "error", "error": "SlowDown" }"#, "faults[0].op", "only a network rule"),
        (#"{ "op": "write", "kind": "truncate", "afterBytes": 10 }"#, "faults[0].kind", "is a network fault"),
        (#"{ "layer": "network", "op": "write", "kind": "torn" }"#, "faults[0].kind", "cannot be a network fault"),
        (#"{ "layer": "network", "op": "write", "kind": "crash" }"#, "faults[0].kind", "cannot be a network fault"),
        (#"{ "layer": "network", "op": "write", "kind": "partial", "afterBytes": 10, "error": "SlowDown" }"#, "faults[0].error", "takes no effect"),
        (#"{ "layer": "network", "op": "PutObject", "kind": "ackLost", "retryAfter": "1s" }"#, "faults[0].retryAfter", "takes no effect"),
        (#"{ "layer": "network", "op": "HeadObject", "kind": "truncate", "afterBytes": 10 }"#, "faults[0].kind", "cannot affect HeadObject"),
        (#"{ "layer": "network", "op": "GetObject", "kind": "partial", "afterBytes": 10 }"#, "faults[0].kind", "cannot affect GetObject"),
        (#"{ "layer": "network", "op": "PutObject", "kind": "error200" }"#, "faults[0].kind", "cannot affect PutObject"),
        (#"{ "layer": "network", "op": "write", "kind": "error", "error": "ConnectionError" }"#, "faults[0].error", "has none"),
        (#"{ "layer": "network", "op": "GetObject", "kind": "truncate" }"#, "faults[0].afterBytes", "needs afterBytes"),
        (#"{ "layer": "network", "op": "GetObject", "kind": "truncate", "afterFraction": 0.5 }"#, "faults[0].afterFraction", "not a parameter"),
        (#"{ "layer": "network", "op": "PutObjekt", "kind": "latency", "value": "1ms" }"#, "faults[0].op", "PutObject"),
    ])
    func networkMisfitsRejected(rule: String, path: String, words: String) {
        let found = networkFault(rule)
        #expect(found.map(\.path) == [path], "\(found)")
        #expect(found.first?.message.contains(words) == true, "\(found)")
    }
}
