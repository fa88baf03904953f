import Foundation
import Harness
import Testing

@Suite("Scenario numbers: exact integers, named fields, no Swift internals")
struct ScenarioLoaderNumberTests {
    func fault(_ fields: String) -> String {
        smallScenario(extra: "\"faults\": [ { \"op\": \"write\", \"kind\": \"error\", \"error\": \"SlowDown\", \(fields) } ]")
    }

    @Test("a number beyond Double's range names its field and what was expected", arguments: [
        ("\"seed\": 42", "\"seed\": 1e400", "seed"),
        ("\"regions\": 2", "\"regions\": -1e400", "workload.regions"),
        ("\"64MiB\"", "1e999", "cache.capacity"),
    ])
    func numberBeyondDouble(original: String, replacement: String, path: String) {
        let found = issues(smallScenario().replacingOccurrences(of: original, with: replacement))
        #expect(found.map(\.path) == [path])
        #expect(found.first?.message.contains("expected") == true, "\(found)")
        #expect(found.first?.message.contains("Dictionary") == false)
    }

    @Test("a number beyond Double's range in a fault rule names its field")
    func numberBeyondDoubleInFault() {
        let found = issues(fault("\"probability\": 1e400"))
        #expect(found.map(\.path) == ["faults[0].probability"], "\(found)")
        #expect(found.first?.message.contains("DecodingError") == false)
    }

    @Test("fractional or oversized integers in a fault rule name the field and what was expected", arguments: [
        ("\"every\": 1.5", "faults[0].every", "a whole number of at least 1"),
        ("\"nth\": [1e300]", "faults[0].nth[0]", "an attempt number"),
        ("\"nth\": [2, 0.5]", "faults[0].nth[1]", "an attempt number"),
        ("\"maxCount\": 1e30", "faults[0].maxCount", "a whole number of at least 1"),
        ("\"every\": \"2\"", "faults[0].every", "a whole number of at least 1"),
    ])
    func inexactIntegersInFaults(fields: String, path: String, expected: String) {
        let found = issues(fault(fields))
        #expect(found.map(\.path) == [path], "\(found)")
        #expect(found.first?.message.contains(expected) == true, "\(found)")
    }

    @Test("the largest 64-bit maxCount is a valid cap")
    func largestMaxCount() {
        #expect(issues(fault("\"maxCount\": 9223372036854775807")).isEmpty)
    }

    @Test("seeds above 2^53 are kept exactly", arguments: [UInt64(9_007_199_254_740_993), UInt64.max, 12_345_678_901_234_567_891])
    func largeSeedsAreExact(seed: UInt64) throws {
        let loaded = try scenarios(smallScenario().replacingOccurrences(of: "\"seed\": 42", with: "\"seed\": \(seed)"))
        #expect(loaded.first?.seed == seed)
    }

    @Test("a seed that is not an exact 64-bit unsigned integer is rejected", arguments: [
        "18446744073709551616", "1.5", "-1", "1e19", "9007199254740993.0",
    ])
    func inexactSeedRejected(seed: String) {
        let found = issues(smallScenario().replacingOccurrences(of: "\"seed\": 42", with: "\"seed\": \(seed)"))
        #expect(found.map(\.path) == ["seed"], "\(found)")
    }

    @Test("an integer field rejects a fraction and names it")
    func fractionalInteger() {
        let found = issues(smallScenario().replacingOccurrences(of: "\"regions\": 2", with: "\"regions\": 1.5"))
        #expect(found.map(\.path) == ["workload.regions"])
        #expect(found.first?.message == "expected an integer between 1 and 10000, found 1.5")
    }
}
