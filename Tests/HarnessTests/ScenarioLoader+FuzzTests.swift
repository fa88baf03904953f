import Foundation
import Harness
import Testing

/// SplitMix64: a small seeded generator, so a failing input can be made again from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random mutations of scenario text: the mistakes people and tools make, and the inputs that
/// break parsers.
enum ScenarioMutation {
    static let tokens: [String] = [
        ",", ",,", "}", "]", "{", "[", "\"", ":", "\\", "\\ud800", "\\udc00", "\\u12", "\\q", "\\u0000", "1e400", "-1e400",
        "1e-400", "-", "0.", ".5", "01", "NaN", "Infinity", "true", "null", "tru", "\"\"", "\"x\": ", "\"seed\": 1,",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "1.5", "-0", "1e300", "\u{FEFF}", "\t", "\n",
        "//", "/*", "'", "é", "\u{0}", "\u{1}", "\"layer\": \"network\",", "\"maxCount\": 0,", "\"nth\": [1e300],",
        "\"prefix\": \"a//b/\",", "\"name\": \"..\",", "\"every\": 1.5,", "\"\": 1,", "\"$schema\": \"x\",",
    ]
    static let rawBytes: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80]]

    static func apply(to bytes: inout [UInt8], using random: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 1:
            bytes.removeSubrange(position...)
        case 2:
            bytes.insert(contentsOf: tokens.randomElement(using: &random)!.utf8, at: position)
        case 3:
            bytes.insert(contentsOf: rawBytes.randomElement(using: &random)!, at: position)
        case 4:
            // Duplicate a key: repeat a `"key": value,` member right after itself.
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            guard let start = quotes.randomElement(using: &random),
                  let comma = bytes[start...].firstIndex(of: UInt8(ascii: ",")) else { return }
            bytes.insert(contentsOf: bytes[start...comma], at: comma + 1)
        case 5:
            // Replace a run of digits with a huge, tiny or inexact number.
            guard let digit = bytes[position...].firstIndex(where: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return }
            let end = bytes[digit...].firstIndex { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? bytes.endIndex
            let numbers = ["1e400", "18446744073709551616", "9007199254740993", "1.5", "0", "-3", "1e-400", String(repeating: "9", count: 400)]
            bytes.replaceSubrange(digit..<end, with: numbers.randomElement(using: &random)!.utf8)
        case 6:
            // A bad escape inside a string.
            guard let quote = bytes[position...].firstIndex(of: UInt8(ascii: "\"")) else { return }
            bytes.insert(contentsOf: ["\\x", "\\u", "\\ud83d", "\\ud83d\\u0041", "\\"].randomElement(using: &random)!.utf8, at: quote + 1)
        case 7:
            // Delete a brace or bracket.
            let braces = bytes.indices.filter { "{}[]".utf8.contains(bytes[$0]) }
            guard let brace = braces.randomElement(using: &random) else { return }
            bytes.remove(at: brace)
        default:
            // Swap a string value for one of another type.
            guard let quote = bytes[position...].firstIndex(of: UInt8(ascii: "\"")),
                  let close = bytes[(quote + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return }
            bytes.replaceSubrange(quote...close, with: ["[]", "{}", "null", "-1", "\"\"", "\"5 parsecs\"", "true"].randomElement(using: &random)!.utf8)
        }
    }
}

@Suite("Fuzzing the scenario decoder with mutations of the shipped scenarios")
struct ScenarioLoaderFuzzTests {
    static let inputs = 3000
    static let seed: UInt64 = 0x5EED_0011

    @Test("every mutated scenario loads, or fails naming the file and a JSON path or line:column")
    func mutatedScenariosFailPrecisely() throws {
        let directory = repositoryRoot + "/Scenarios"
        var files: [String] = []
        for sub in ["", "/gate"] {
            files += try FileManager.default.contentsOfDirectory(atPath: directory + sub)
                .filter { $0.hasSuffix(".json") && !$0.contains("schema") }.sorted().map { directory + sub + "/" + $0 }
        }
        let originals = try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        #expect(originals.count >= 15)
        var random = SeededGenerator(state: Self.seed)
        var loaded = 0, rejected = 0
        var codes: [String: Int] = [:]
        let started = ContinuousClock.now
        for round in 0..<Self.inputs {
            let which = Int.random(in: 0..<originals.count, using: &random)
            var bytes = originals[which]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                ScenarioMutation.apply(to: &bytes, using: &random)
            }
            let file = "fuzz-\(round)-\(URL(fileURLWithPath: files[which]).lastPathComponent)"
            do {
                _ = try ScenarioLoader.load(data: Data(bytes), file: file, validateFault: ScenarioFaults.validator)
                loaded += 1
            } catch {
                rejected += 1
                codes[error.code, default: 0] += 1
                let text = String(decoding: bytes.prefix(400), as: UTF8.self)
                #expect(error.file == file)
                #expect(error.description.hasPrefix("\(file): "), "\(error)")
                #expect(everyIssueIsPlaced(error), "round \(round) (seed \(Self.seed)): \(error)\ninput: \(text)")
                #expect(!error.description.contains("DecodingError") && !error.description.contains("Dictionary<"), "\(error)")
                #expect(error.description.count < 20_000)
            }
        }
        let elapsed = ContinuousClock.now - started
        print("scenario fuzz: \(Self.inputs) inputs (seed \(Self.seed)): \(loaded) loaded, \(rejected) rejected \(codes.sorted { $0.key < $1.key }), in \(elapsed)")
        #expect(rejected > Self.inputs / 2, "the mutations hardly break anything: \(loaded) of \(Self.inputs) loaded")
        #expect(elapsed < .seconds(60))
    }
}
