import Foundation
import Harness
import Testing

@Suite("Scenario fault rules: a rule that cannot fire does not pass")
struct ScenarioLoaderFaultRuleTests {
    func fault(_ fields: String) -> String {
        smallScenario(extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"error\", \"error\": \"SlowDown\", \(fields) } ]")
    }

    @Test("a rule for a fault layer that does not exist is rejected at its path", arguments: ["network", "cluster"])
    func unimplementedLayerRejected(layer: String) {
        let found = issues(fault("\"layer\": \"\(layer)\""))
        #expect(found.map(\.path) == ["faults[0].layer"], "\(found)")
        #expect(found.first?.message.contains("not available") == true, "\(found)")
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
}
