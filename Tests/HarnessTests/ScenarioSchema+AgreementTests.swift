import Foundation
import Harness
import Testing

@Suite("scenario.schema.json and the decoder agree")
struct ScenarioSchemaAgreementTests {
    let schemaPath = repositoryRoot + "/Scenarios/scenario.schema.json"
    let everyField = repositoryRoot + "/Tests/HarnessTests/Fixtures/every-field.json"
    /// A managed cluster and its node faults (an endpoint and a cluster exclude each other).
    let everyClusterField = repositoryRoot + "/Tests/HarnessTests/Fixtures/every-field-cluster.json"
    /// every-field.json with the other arrival alternative, a trace (Fixtures/traces/two-flushes.jsonl).
    let everyFieldTrace = repositoryRoot + "/Tests/HarnessTests/Fixtures/every-field-trace.json"

    /// Validates `files` with the schema through python's jsonschema.
    func schemaVerdicts(_ files: [String]) throws -> [String: Bool] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/Tests/HarnessTests/Fixtures/check_schema.py", schemaPath] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the schema checker failed (is jsonschema installed? make setup installs it)")
        var verdicts: [String: Bool] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            verdicts[object["file"] as! String] = object["valid"] as? Bool
        }
        return verdicts
    }

    /// Every property name the schema declares for scenario objects, as dotted paths.
    func schemaPaths(_ node: [String: Any], _ prefix: String, _ defs: [String: Any]) -> Set<String> {
        var paths: Set<String> = []
        for alternative in node["oneOf"] as? [[String: Any]] ?? [] {
            paths.formUnion(schemaPaths(alternative, prefix, defs))
        }
        guard let properties = node["properties"] as? [String: Any] else { return paths }
        for (key, value) in properties {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            paths.insert(path)
            if let child = value as? [String: Any] { paths.formUnion(schemaPaths(child, path, defs)) }
        }
        return paths
    }

    func documentPaths(_ value: Any, _ prefix: String) -> Set<String> {
        guard let object = value as? [String: Any] else { return [] }
        var paths: Set<String> = []
        for (key, child) in object where key != "faults" {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            paths.insert(path)
            paths.formUnion(documentPaths(child, path))
        }
        return paths
    }

    @Test("every shipped scenario and the every-field fixture are valid for both")
    func shippedScenariosValidForBoth() throws {
        let directory = repositoryRoot + "/Scenarios"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") && !$0.contains("schema") }.map { directory + "/" + $0 } + [everyField, everyClusterField, everyFieldTrace]
            + (try FileManager.default.contentsOfDirectory(atPath: directory + "/cluster")).filter { $0.hasSuffix(".json") }.map { directory + "/cluster/" + $0 }
        let verdicts = try schemaVerdicts(files)
        for file in files {
            #expect(verdicts[file] == true, "the schema rejects \(file)")
            #expect(throws: Never.self) { _ = try ScenarioLoader.load(path: file, validateFault: ScenarioFaults.validator) }
        }
    }

    @Test("the every-field fixture uses every property the schema declares for a scenario")
    func fixtureCoversTheSchema() throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as! [String: Any]
        let defs = schema["$defs"] as! [String: Any]
        let scenario = defs["scenario"] as! [String: Any]
        let declared = schemaPaths(scenario, "", defs).filter { !$0.hasPrefix("faults") }
        var used: Set<String> = []
        for file in [everyField, everyClusterField, everyFieldTrace] {
            used.formUnion(documentPaths(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))), ""))
        }
        #expect(declared.subtracting(used).isEmpty, "schema properties the fixture does not use: \(declared.subtracting(used).sorted())")
        #expect(used.subtracting(declared).isEmpty, "fixture keys the schema does not declare: \(used.subtracting(declared).sorted())")
    }

    /// Whether the decoder (with the real fault validator) accepts `file`.
    func decoderAccepts(_ file: String) -> Bool {
        (try? ScenarioLoader.load(path: file, validateFault: ScenarioFaults.validator)) != nil
    }

    @Test("the schema and the decoder give the same verdict on the cases they used to disagree on", arguments: [
        ("\"name\": \"every-field\"", "\"name\": \"évery-field\"", false),
        ("\"name\": \"every-field\"", "\"name\": \"..\"", false),
        ("\"name\": \"every-field\"", "\"name\": \".\"", false),
        ("\"maxCount\": 3", "\"maxCount\": 0", false),
        ("\"maxCount\": 3", "\"maxCount\": 9223372036854775807", true),
        ("\"seed\": 3", "\"seed\": 9007199254740993", true),
        ("\"seed\": 3", "\"seed\": 18446744073709551615", true),
        ("\"seed\": 3", "\"seed\": 18446744073709551616", false),
        ("\"prefix\": \"p/\"", "\"prefix\": \"a//b/\"", false),
        ("\"prefix\": \"p/\"", "\"prefix\": \"x..y/\"", true),
        ("\"prefix\": \"p/\"", "\"prefix\": \"/abs/\"", false),
        ("\"prefix\": \"p/\"", "\"prefix\": \"../\"", false),
        ("\"prefix\": \"p/\"", "\"prefix\": \"p\"", false),
        ("\"prefix\": \"p/\"", "\"prefix\": \"a\\u0000/\"", false),
        ("\"layer\": \"store\"", "\"layer\": \"network\"", true),
        ("\"op\": \"*\", \"kind\": \"latency\"", "\"op\": \"GetObject\", \"kind\": \"latency\"", false),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"GetObject\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"network\"", true),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"GetObject\", \"kind\": \"truncate\", \"afterBytes\": \"1KiB\", \"layer\": \"network\"", true),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"GetObject\", \"kind\": \"truncate\", \"afterBytes\": \"1KiB\"", false),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"CompleteMultipartUpload\", \"kind\": \"error200\", \"layer\": \"network\"", true),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"write\", \"kind\": \"ackLost\", \"error\": \"SlowDown\", \"layer\": \"network\"", false),
        ("\"op\": \"*\", \"kind\": \"latency\", \"distribution\": \"uniform\", \"min\": \"1ms\", \"max\": \"20ms\", \"layer\": \"store\"",
         "\"op\": \"write\", \"kind\": \"torn\", \"layer\": \"network\"", false),
        ("\"layer\": \"store\"", "\"layer\": \"cluster\"", false),
        ("\"endpoint\": \"http://127.0.0.1:9\",", "\"endpoint\": \"http://127.0.0.1:9\", \"cluster\": {},", false),
        ("\"kind\": \"s3\", \"endpoint\": \"http://127.0.0.1:9\"", "\"kind\": \"s3\", \"cluster\": {}", true),
        ("\"kind\": \"crash\", \"nth\": [99] }", "\"kind\": \"crash\", \"nth\": [99] }, { \"layer\": \"cluster\", \"kind\": \"kill\", \"node\": \"s3\", \"at\": \"1s\", \"for\": \"1s\" }", false),
        ("\"nth\": [1, 2]", "\"nth\": 2", true),
        ("\"nth\": [1, 2]", "\"nth\": []", false),
        ("\"seed\": 3", "\"seed\": 3, \"seed\": 4", false),
        ("\"every\": 2", "\"every\": 2, \"every\": 3", false),
        ("\"probability\": 0.5 } ] } ]", "\"probability\": 0.5, \"window\": [0, 1] } ] } ]", false),
        ("\"from\": \"1s\"", "\"from\": \"soon\"", false),
        ("\"name\": \"storm\"", "\"name\": \"..\"", false),
        ("\"probability\": 0.5 } ] } ]", "\"probability\": 0.5 } ] }, { \"name\": \"b\", \"from\": \"3s\", \"to\": \"4s\", \"faults\": [] } ]", false),
    ])
    func schemaAndDecoderAgree(original: String, replacement: String, valid: Bool) throws {
        let text = try String(contentsOfFile: everyField, encoding: .utf8)
        #expect(text.contains(original))
        let mutated = try LocalTemporary.directory() + "/mutated.json"
        try text.replacingOccurrences(of: original, with: replacement).write(toFile: mutated, atomically: true, encoding: .utf8)
        #expect(try schemaVerdicts([mutated])[mutated] == valid, "the schema's verdict on \(replacement)")
        #expect(decoderAccepts(mutated) == valid, "the decoder's verdict on \(replacement)")
    }

    @Test("a key unknown to the decoder is also rejected by the schema", arguments: [
        ("\"seed\": 3", "\"seed\": 3, \"colour\": 1"),
        ("\"ttl\": \"10m\"", "\"ttl\": \"10m\", \"size\": 1"),
        ("\"evictFirst\": true", "\"evictFirst\": true, \"twice\": true"),
        ("\"maxFlushP99\": \"10s\"", "\"maxFlushP99\": \"10s\", \"maxFlushP50\": \"1s\""),
        ("\"retryAfter\": \"10ms\"", "\"retryAfter\": \"10ms\", \"backoff\": \"1ms\""),
        ("\"to\": \"2s\"", "\"to\": \"2s\", \"until\": \"3s\""),
    ])
    func unknownKeysRejectedByBoth(original: String, replacement: String) throws {
        let text = try String(contentsOfFile: everyField, encoding: .utf8)
        #expect(text.contains(original))
        let mutated = try LocalTemporary.directory() + "/mutated.json"
        try text.replacingOccurrences(of: original, with: replacement).write(toFile: mutated, atomically: true, encoding: .utf8)
        #expect(try schemaVerdicts([mutated])[mutated] == false)
        #expect(throws: ScenarioError.self) { _ = try ScenarioLoader.load(path: mutated, validateFault: ScenarioFaults.validator) }
    }
}
