import FaultInjection
import Foundation
import ObjectStore
import Testing

/// Scenario JSON for faults: every kind decodes, encodes back, and bad input names its path.
@Suite("FaultRule decoding")
struct FaultRuleDecodingTests {
    struct Scenario: Codable {
        var faults: [FaultRule]
    }

    /// The message of decoding `{"faults": [<rules>]}`, or `nil` when it decodes.
    static func decodingError(_ rules: String) -> String? {
        do {
            _ = try JSONDecoder().decode(Scenario.self, from: Data(#"{"faults": [\#(rules)]}"#.utf8))
            return nil
        } catch {
            return DecodingErrorText.describe(error)
        }
    }

    @Test("the faults of DESIGN.md's example scenario decode to the rules they describe")
    func designExampleDecodes() throws {
        let decoded = try rules("""
            [{ "op": "write", "kind": "partial", "probability": 0.1, "afterBytes": "1MiB", "path": "*.parquet" },
             { "op": "*", "kind": "latency", "distribution": "uniform", "min": "1ms", "max": "20ms" },
             { "op": "delete", "kind": "error", "nth": [3], "error": "InternalError" },
             { "op": "write", "kind": "torn", "probability": 0.01 }]
            """)
        #expect(decoded == [
            FaultRule(operation: .write, fault: .partial(.afterBytes(1 << 20), error: InjectedError(code: .connection)),
                      probability: 0.1, path: PathGlob("*.parquet")),
            FaultRule(operation: .any, fault: .latency(LatencyDistribution(.uniform(min: .milliseconds(1), max: .milliseconds(20))))),
            FaultRule(operation: .delete, fault: .error(InjectedError(code: .internalError)), nth: [3]),
            FaultRule(operation: .write, fault: .torn(.afterFraction(0.5)), probability: 0.01),
        ])
    }

    @Test("every kind and selector survives an encode-decode round trip")
    func everyKindRoundTrips() throws {
        let all = try rules("""
            [{"op": "read", "kind": "latency", "value": "5ms"},
             {"op": "read", "kind": "latency", "distribution": "normal", "mean": "10ms", "stddev": "2ms", "max": "30ms"},
             {"op": "read", "kind": "latency", "distribution": "exponential", "mean": "1s"},
             {"op": "read", "kind": "latency", "distribution": "pareto", "scale": "1ms", "shape": 1.5},
             {"op": "stat", "kind": "error", "error": "SlowDown", "retryAfter": "250ms", "every": 2, "maxCount": 3},
             {"op": "write", "kind": "partial", "afterFraction": 0.3, "error": "InternalError", "window": [1.5, 9]},
             {"op": "write", "kind": "torn", "afterBytes": "512KiB"},
             {"op": "delete", "kind": "ackLost", "error": "RequestTimeout", "nth": [1, 2]},
             {"op": "*", "kind": "bandwidth", "bytesPerSecond": "8MiB", "layer": "network"},
             {"op": "list", "kind": "hang", "max": "10m"},
             {"op": "*", "kind": "crash", "probability": 0.001}]
            """)
        #expect(all.map(\.fault.kind) == [.latency, .latency, .latency, .latency, .error, .partial, .torn, .ackLost, .bandwidth, .hang, .crash])
        #expect(all[4].fault == .error(InjectedError(code: .slowDown, retryAfter: .milliseconds(250))))
        #expect(all[6].fault == .torn(.afterBytes(512 << 10)))
        #expect(all[9].fault == .hang(limit: .seconds(600)))
        let encoded = try JSONEncoder().encode(all)
        #expect(try JSONDecoder().decode([FaultRule].self, from: encoded) == all)
    }

    @Test("decoding errors name the JSON path and what was expected", arguments: [
        (#"{"op": "write", "kind": "torn"}, {"op": "read", "kind": "latency", "value": "1ms"}, {"op": "stat", "kind": "error", "error": "SlowDown", "probability": 1.5}"#,
         "faults[2].probability: expected a number between 0 and 1, found 1.5"),
        (#"{"op": "stat", "kind": "error", "error": "SlowDown", "probabilty": 0.5}"#,
         "faults[0].probabilty: unknown key 'probabilty' (did you mean 'probability'?)"),
        (#"{"op": "stat", "kind": "explode"}"#,
         "faults[0].kind: unknown fault kind 'explode' (known: latency, error, partial, torn, ackLost, bandwidth, hang, crash, corrupt, truncate, error200)"),
        (#"{"op": "stat", "kind": "latency", "value": "1ms", "afterBytes": 10}"#,
         "faults[0].afterBytes: 'afterBytes' is not a parameter of kind 'latency' (its parameters: distribution, value, min, max, mean, stddev, scale, shape)"),
        (#"{"op": "write", "kind": "partial", "afterBytes": "1XB"}"#,
         "faults[0].afterBytes: '1XB': unknown size unit 'XB' (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)"),
        (#"{"op": "write", "kind": "latency", "value": "50"}"#,
         "faults[0].value: '50': a duration needs a unit: ns, us, ms, s, m or h (e.g. \"50ms\")"),
        (#"{"op": "write", "kind": "latency", "value": 50}"#,
         "faults[0].value: expected a duration string such as \"50ms\" or \"2s\", found 50.0"),
        (#"{"op": "read", "kind": "torn"}"#,
         "faults[0].kind: 'torn' cannot affect 'read' (it applies to: write)"),
        (#"{"op": "stat", "kind": "error"}"#,
         "faults[0].error: an error fault needs \"error\": an S3 error code such as \"SlowDown\""),
        (#"{"op": "stat", "kind": "error", "error": "Oops"}"#,
         "faults[0].error: unknown S3 error code 'Oops' (known: AccessDenied, BadDigest, ConnectionError, EntityTooSmall, IOError, InternalError, InvalidArgument, InvalidRange, NoSuchBucket, NoSuchKey, RequestTimeout, ServiceUnavailable, SlowDown, Timeout, TooManyRequests)"),
        (#"{"op": "stat", "kind": "hang", "window": [5]}"#,
         "faults[0].window: expected [start, end] in seconds into the run, e.g. [10, 30]"),
        (#"{"op": "stat", "kind": "hang", "window": [5, 2]}"#,
         "faults[0].window: expected [start, end] seconds with 0 <= start < end, found [5.0, 2.0]"),
        (#"{"op": "stat", "kind": "hang", "nth": [0]}"#,
         "faults[0].nth: attempt numbers start at 1, found 0"),
        (#"{"op": "stat", "kind": "hang", "every": "2"}"#,
         "faults[0].every: expected a whole number of at least 1, found \"2\""),
        (#"{"op": "update", "kind": "hang"}"#,
         "faults[0].op: unknown operation 'update' (known: write, read, stat, delete, list, abort, *)"),
        (#"{"kind": "hang"}"#,
         "faults[0].op: missing: every fault needs op (an operation)"),
        (#"{"op": "read", "kind": "latency", "distribution": "uniform", "min": "5ms"}"#,
         "faults[0].max: a uniform latency needs max (a duration such as \"20ms\")"),
        (#"{"op": "read", "kind": "latency", "distribution": "uniform", "min": "5ms", "max": "1ms"}"#,
         "faults[0].max: a uniform latency needs 0 <= min <= max, found min 5ms, max 1ms"),
        (#"{"op": "write", "kind": "partial", "afterBytes": 1, "afterFraction": 0.5}"#,
         "faults[0].afterFraction: give either afterBytes or afterFraction, not both"),
        (#"{"op": "write", "kind": "bandwidth", "bytesPerSecond": 0}"#,
         "faults[0].bytesPerSecond: expected a positive rate such as \"8MiB\" (bytes per second)"),
    ])
    func decodingErrorsNameThePath(rules: String, message: String) {
        #expect(Self.decodingError(rules) == message)
    }

    @Test("a plan built in code reports the rule index and field of a bad value")
    func planValidationNamesRule() {
        let bad = [
            FaultRule(operation: .stat, fault: .crash),
            FaultRule(operation: .write, fault: .torn(.afterFraction(2))),
        ]
        #expect(throws: FaultRuleError.self) { try FaultPlan(seed: 1, rules: bad) }
        do {
            _ = try FaultPlan(seed: 1, rules: bad)
        } catch {
            #expect(error.description == "faults[1].afterFraction: expected a number between 0 and 1, found 2.0")
        }
    }

    @Test("sizes parse with binary and decimal units", arguments: [
        ("8MiB", UInt64(8 << 20)), ("512KiB", 512 << 10), ("1GB", 1_000_000_000), ("1gib", 1 << 30),
        ("4096", 4096), ("1.5MiB", 3 << 19), ("100B", 100), (" 2 TiB ", 2 << 40),
    ])
    func sizesParse(text: String, bytes: UInt64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test("sizes that are not sizes are rejected", arguments: ["", "MiB", "-1MiB", "1.5B", "1ZiB", "99999999TiB"])
    func badSizesAreRejected(text: String) {
        #expect(throws: UnitParseError.self) { try ByteSize(parsing: text) }
    }

    @Test("durations parse with their units", arguments: [
        ("50ms", Duration.milliseconds(50)), ("2s", .seconds(2)), ("10m", .seconds(600)), ("1h", .seconds(3600)),
        ("1.5s", .milliseconds(1500)), ("250us", .microseconds(250)), ("100ns", .nanoseconds(100)),
    ])
    func durationsParse(text: String, duration: Duration) throws {
        #expect(try DurationText(parsing: text).duration == duration)
        #expect(try DurationText(parsing: DurationText(duration).description).duration == duration)
    }

    @Test("durations without a known unit are rejected", arguments: ["50", "", "ms", "5 parsecs", "1d"])
    func badDurationsAreRejected(text: String) {
        #expect(throws: UnitParseError.self) { try DurationText(parsing: text) }
    }

    @Test("sizes encode as integers and print in their largest exact unit")
    func sizesEncodeAndPrint() throws {
        #expect(String(decoding: try JSONEncoder().encode(ByteSize(parsing: "8MiB")), as: UTF8.self) == "8388608")
        #expect(ByteSize(8 << 20).description == "8MiB" && ByteSize(1000).description == "1000B")
    }
}
