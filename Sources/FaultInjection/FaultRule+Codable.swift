import ObjectStore
import Platform

/// Scenario JSON for fault rules: the field names of DESIGN.md, unknown keys rejected.
///
/// A rule is one flat object: `op`, `kind`, the selectors (`probability`, `nth`, `every`,
/// `window`, `path`, `maxCount`), `layer`, and the kind's parameters — latency:
/// `distribution` with `value` | `min`, `max` | `mean`, `stddev` | `mean` | `scale`, `shape`
/// (and `max` as a cap); error: `error`, `retryAfter`; partial: `afterBytes` or
/// `afterFraction`, `error`; torn: `afterBytes` or `afterFraction` (default half);
/// ackLost: `error`; bandwidth: `bytesPerSecond`; hang: `max`; corrupt: `bytes` (bytes
/// flipped, default 1); truncate (network): `afterBytes`; error200 (network): `error`. `op` may
/// also be `abort` (latency, error, hang, crash). A network rule's `op` may name an S3 operation
/// (`UploadPart`); it takes no `error` on partial and ackLost. `window` is `[start, end]` in
/// seconds into the run. Decoding errors carry the JSON path (`faults[2].probability`), so
/// ``DecodingErrorText/describe(_:)`` can say where a scenario went wrong.
extension FaultRule: Codable {
    struct Key: CodingKey, Hashable {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    static let selectorKeys = ["op", "kind", "layer", "probability", "nth", "every", "window", "path", "maxCount"]

    /// The parameters each kind accepts.
    static let parameterKeys: [FaultKind: [String]] = [
        .latency: ["distribution", "value", "min", "max", "mean", "stddev", "scale", "shape"],
        .error: ["error", "retryAfter"],
        .partial: ["afterBytes", "afterFraction", "error", "retryAfter"],
        .torn: ["afterBytes", "afterFraction"],
        .ackLost: ["error", "retryAfter"],
        .bandwidth: ["bytesPerSecond"],
        .hang: ["max"],
        .crash: [],
        .corrupt: ["bytes"],
        .truncate: ["afterBytes"],
        .error200: ["error"],
    ]

    /// Parameters that take no effect on the network layer, where the client sees what the
    /// connection does (a reset, a close), not an error the rule names.
    static let storeOnlyParameterKeys: [FaultKind: [String]] = [
        .partial: ["error", "retryAfter"],
        .ackLost: ["error", "retryAfter"],
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        if (try? c.decodeIfPresent(String.self, forKey: Key("layer"))) == Layer.local.rawValue {
            try self.init(local: c)
            return
        }
        let kindName = try c.required(String.self, "kind", expected: "a fault kind")
        guard let kind = FaultKind(rawValue: kindName) else {
            throw c.error("kind", "unknown fault kind \(shown(kindName)) (known: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let allowed = Set(Self.selectorKeys + Self.parameterKeys[kind, default: []])
        for key in c.allKeys where !allowed.contains(key.stringValue) {
            let everyKey = Self.selectorKeys + Self.parameterKeys.values.flatMap { $0 }
            if everyKey.contains(key.stringValue) {
                throw c.error(key.stringValue, "'\(key.stringValue)' is not a parameter of kind '\(kind.rawValue)' (its parameters: \(Self.parameterKeys[kind, default: []].joined(separator: ", ")))")
            }
            let hint = closest(to: key.stringValue, in: everyKey).map { " (did you mean '\($0)'?)" } ?? ""
            throw c.error(key.stringValue, "unknown key \(shown(key.stringValue))\(hint)")
        }

        let opName = try c.required(String.self, "op", expected: "an operation")
        let layer = try Self.decodeLayer(c)
        var s3Operation: S3Operation?
        let operation: OperationSelector
        if let selector = OperationSelector(rawValue: opName) {
            operation = selector
        } else if let named = S3Operation(rawValue: opName) {
            guard layer == .network else {
                throw c.error("op", "\(shown(opName)) is an S3 operation: only a network rule (\"layer\": \"network\") can select it; "
                    + "a store rule names write, read, stat, delete, list or *")
            }
            s3Operation = named
            operation = OperationSelector(rawValue: named.storeOperation.rawValue) ?? .any
        } else {
            let s3 = layer == .network ? ", or an S3 operation: \(S3Operation.allCases.map(\.rawValue).joined(separator: ", "))" : ""
            throw c.error("op", "unknown operation \(shown(opName)) (known: write, read, stat, delete, list, abort, *\(s3))")
        }
        if layer == .network {
            for key in Self.storeOnlyParameterKeys[kind, default: []] where c.contains(Key(key)) {
                throw c.error(key, "'\(key)' takes no effect on a network '\(kind.rawValue)' fault (the client sees the connection break, "
                    + "not a named error): remove it")
            }
        }
        let fault = try Self.decodeFault(kind, c)
        let nth = try c.attemptNumbers("nth")
        var window: FaultWindow?
        if c.contains(Key("window")) {
            let bounds = try c.optional([Double].self, "window", expected: "[start, end] in seconds into the run, e.g. [10, 30]") ?? []
            guard bounds.count == 2 else { throw c.error("window", "expected [start, end] in seconds into the run, e.g. [10, 30]") }
            window = FaultWindow(start: bounds[0], end: bounds[1])
        }
        self.init(
            operation: operation, fault: fault, layer: layer,
            probability: try c.optional(Double.self, "probability", expected: "a number between 0 and 1"),
            nth: nth,
            every: try c.wholeNumber("every", expected: "a whole number of at least 1"),
            window: window,
            path: try Self.decodeGlob(c),
            maxCount: try Self.decodeMaxCount(c),
            s3Operation: s3Operation)
        do {
            try validate()
        } catch {
            throw c.error(error.field, error.message)
        }
    }

    /// The layer of a rule: `store`, `network` (the fault proxy) or `local` (the cache's disk).
    /// `cluster` rules are node faults, decoded by the scenario loader for a managed cluster;
    /// reaching here, one could never fire: an error.
    private static func decodeLayer(_ c: KeyedDecodingContainer<Key>) throws -> Layer {
        guard let name = try c.optional(String.self, "layer", expected: "\"store\", \"network\" or \"local\"") else { return .store }
        if let layer = Layer(rawValue: name) { return layer }
        if name == "cluster" {
            throw c.error("layer", "the \(name) fault layer is not available in this version, so this rule could never fire; "
                + "use \"store\" (the default, in-process) or remove the rule")
        }
        throw c.error("layer", "expected \"store\", \"network\" or \"local\", found \(shown(name))")
    }

    /// `maxCount`: a whole number of at least 1 (0 would never fire).
    static func decodeMaxCount(_ c: KeyedDecodingContainer<Key>) throws -> Int? {
        let value = try c.wholeNumber("maxCount", expected: "a whole number of at least 1")
        if value == 0 { throw c.error("maxCount", "expected a whole number of at least 1 (the most hits per key; 0 would never fire), found 0") }
        return value
    }

    /// The `path` glob, at most as long as the longest key (a longer pattern matches nothing
    /// and costs time on every operation).
    static func decodeGlob(_ c: KeyedDecodingContainer<Key>) throws -> PathGlob? {
        guard let pattern = try c.optional(String.self, "path", expected: "a glob such as \"*.parquet\"") else { return nil }
        guard pattern.utf8.count <= ObjectKey.maxLength else {
            throw c.error("path", "expected a glob of at most \(ObjectKey.maxLength) bytes (the longest key), found one of \(pattern.utf8.count) bytes")
        }
        return PathGlob(pattern)
    }

    private static func decodeFault(_ kind: FaultKind, _ c: KeyedDecodingContainer<Key>) throws -> Fault {
        func injectedError(default code: ObjectStoreError.Code?) throws -> InjectedError {
            let retryAfter = try c.optional(DurationText.self, "retryAfter", expected: "a duration")?.duration
            guard let name = try c.optional(String.self, "error", expected: "an S3 error code") else {
                guard let code else { throw c.error("error", "an error fault needs \"error\": an S3 error code such as \"SlowDown\"") }
                return InjectedError(code: code, retryAfter: retryAfter)
            }
            let code = ObjectStoreError.Code(name)
            guard InjectedError.knownCodes[code] != nil else {
                let known = InjectedError.knownCodes.keys.map(\.rawValue).sorted().joined(separator: ", ")
                throw c.error("error", "unknown S3 error code \(shown(name)) (known: \(known))")
            }
            return InjectedError(code: code, retryAfter: retryAfter)
        }
        func cut(default fallback: Cut?) throws -> Cut {
            let bytes = try c.optional(ByteSize.self, "afterBytes", expected: "a size")
            let fraction = try c.optional(Double.self, "afterFraction", expected: "a number between 0 and 1")
            switch (bytes, fraction) {
            case (let bytes?, nil): return .afterBytes(bytes.bytes)
            case (nil, let fraction?): return .afterFraction(fraction)
            case (.some, .some): throw c.error("afterFraction", "give either afterBytes or afterFraction, not both")
            case (nil, nil):
                guard let fallback else { throw c.error("afterBytes", "a \(kind.rawValue) fault needs afterBytes (e.g. \"1MiB\") or afterFraction (e.g. 0.5)") }
                return fallback
            }
        }
        func duration(_ key: String) throws -> Duration? {
            try c.optional(DurationText.self, key, expected: "a duration")?.duration
        }
        func required(_ key: String, _ distribution: String) throws -> Duration {
            guard let value = try duration(key) else {
                throw c.error(key, "a \(distribution) latency needs \(key) (a duration such as \"20ms\")")
            }
            return value
        }

        switch kind {
        case .latency:
            let hasValue = c.contains(Key("value"))
            let name = try c.optional(String.self, "distribution", expected: "a distribution name") ?? (hasValue ? "fixed" : "")
            let cap = try duration("max")
            switch name {
            case "fixed":
                return .latency(LatencyDistribution(.fixed(value: try required("value", name)), cap: cap))
            case "uniform":
                return .latency(LatencyDistribution(.uniform(min: try required("min", name), max: try required("max", name))))
            case "normal":
                return .latency(LatencyDistribution(.normal(mean: try required("mean", name), stddev: try required("stddev", name)), cap: cap))
            case "exponential":
                return .latency(LatencyDistribution(.exponential(mean: try required("mean", name)), cap: cap))
            case "pareto":
                guard let shape = try c.optional(Double.self, "shape", expected: "a positive number") else {
                    throw c.error("shape", "a pareto latency needs shape (a positive number such as 1.5)")
                }
                return .latency(LatencyDistribution(.pareto(scale: try required("scale", name), shape: shape), cap: cap))
            case "":
                throw c.error("distribution", "a latency fault needs \"value\" (fixed) or \"distribution\": fixed, uniform, normal, exponential or pareto")
            default:
                throw c.error("distribution", "unknown distribution \(shown(name)) (known: fixed, uniform, normal, exponential, pareto)")
            }
        case .error:
            return .error(try injectedError(default: nil))
        case .partial:
            return .partial(try cut(default: nil), error: try injectedError(default: .connection))
        case .torn:
            return .torn(try cut(default: .afterFraction(0.5)))
        case .ackLost:
            return .ackLost(try injectedError(default: .connection))
        case .bandwidth:
            guard let rate = try c.optional(ByteSize.self, "bytesPerSecond", expected: "a size per second") else {
                throw c.error("bytesPerSecond", "a bandwidth fault needs bytesPerSecond (e.g. \"8MiB\")")
            }
            return .bandwidth(bytesPerSecond: rate.bytes)
        case .hang:
            return .hang(limit: try duration("max"))
        case .crash:
            return .crash
        case .corrupt:
            return .corrupt(bytes: try c.wholeNumber("bytes", expected: "a whole number of bytes to flip, at least 1") ?? 1)
        case .truncate:
            guard let bytes = try c.optional(ByteSize.self, "afterBytes", expected: "a size") else {
                throw c.error("afterBytes", "a truncate fault needs afterBytes (e.g. \"64KiB\"): where the response body is cut")
            }
            return .truncate(.afterBytes(bytes.bytes))
        case .error200:
            return .error200(try injectedError(default: .internalError))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(s3Operation?.rawValue ?? operation.rawValue, forKey: Key("op"))
        try c.encode(localFault?.rawValue ?? fault.kind.rawValue, forKey: Key("kind"))
        if layer != .store { try c.encode(layer.rawValue, forKey: Key("layer")) }
        try c.encodeIfPresent(probability, forKey: Key("probability"))
        try c.encodeIfPresent(nth, forKey: Key("nth"))
        try c.encodeIfPresent(every, forKey: Key("every"))
        try c.encodeIfPresent(window.map { [$0.start, $0.end] }, forKey: Key("window"))
        try c.encodeIfPresent(path?.pattern, forKey: Key("path"))
        try c.encodeIfPresent(maxCount, forKey: Key("maxCount"))
        if localFault != nil { return }
        func put(_ duration: Duration?, _ key: String) throws {
            try c.encodeIfPresent(duration.map(DurationText.init), forKey: Key(key))
        }
        func put(_ error: InjectedError) throws {
            try c.encode(error.code.rawValue, forKey: Key("error"))
            if error.retryAfter != InjectedError(code: error.code).retryAfter { try put(error.retryAfter, "retryAfter") }
        }
        func put(_ cut: Cut) throws {
            switch cut {
            case .afterBytes(let bytes): try c.encode(bytes, forKey: Key("afterBytes"))
            case .afterFraction(let fraction): try c.encode(fraction, forKey: Key("afterFraction"))
            }
        }
        switch fault {
        case .latency(let distribution):
            try c.encode(distribution.shape.name, forKey: Key("distribution"))
            switch distribution.shape {
            case .fixed(let value): try put(value, "value")
            case .uniform(let low, let high): try put(low, "min"); try put(high, "max")
            case .normal(let mean, let stddev): try put(mean, "mean"); try put(stddev, "stddev")
            case .exponential(let mean): try put(mean, "mean")
            case .pareto(let scale, let shape): try put(scale, "scale"); try c.encode(shape, forKey: Key("shape"))
            }
            if case .uniform = distribution.shape {} else { try put(distribution.cap, "max") }
        case .error(let error), .error200(let error):
            try put(error)
        case .ackLost(let error):
            if layer == .store { try put(error) }
        case .partial(let cut, let error):
            try put(cut)
            if layer == .store { try put(error) }
        case .torn(let cut):
            try put(cut)
        case .bandwidth(let rate):
            try c.encode(rate, forKey: Key("bytesPerSecond"))
        case .hang(let limit):
            try put(limit, "max")
        case .crash:
            break
        case .corrupt(let bytes):
            if bytes != 1 { try c.encode(bytes, forKey: Key("bytes")) }
        case .truncate(let cut):
            try put(cut)
        }
    }
}

extension KeyedDecodingContainer where Key == FaultRule.Key {
    func error(_ key: String, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: Key(key), in: self, debugDescription: message)
    }

    func optional<T: Decodable>(_ type: T.Type, _ key: String, expected: String) throws -> T? {
        guard contains(Key(key)) else { return nil }
        do {
            return try decode(T.self, forKey: Key(key))
        } catch DecodingError.typeMismatch, DecodingError.valueNotFound {
            let found = (try? superDecoder(forKey: Key(key)).singleValueContainer()).map(JSONValueDescription.of) ?? "another type"
            throw error(key, "expected \(expected), found \(found)")
        }
    }

    func required<T: Decodable>(_ type: T.Type, _ key: String, expected: String) throws -> T {
        guard let value = try optional(T.self, key, expected: expected) else {
            throw error(key, "missing: every fault needs \(key) (\(expected))")
        }
        return value
    }
}

extension KeyedDecodingContainer where Key == FaultRule.Key {
    /// A whole number (its range is checked by ``FaultRule/validate()``): `1.5`, `1e300` or a
    /// string name the field and what was expected instead of failing inside the decoder.
    func wholeNumber(_ key: String, expected: String) throws -> Int? {
        guard contains(Key(key)) else { return nil }
        let value = try decode(ScalarText.self, forKey: Key(key))
        guard let number = value.integer else { throw error(key, "expected \(expected), found \(value.text)") }
        return number
    }

    /// `nth`: one attempt number or a non-empty list of them, each a whole number from 1.
    func attemptNumbers(_ key: String) throws -> [Int]? {
        guard contains(Key(key)) else { return nil }
        let expected = "a list of attempt numbers such as [1, 3] (1 is the first attempt)"
        if let single = try? decode(ScalarText.self, forKey: Key(key)), single.integer != nil || !single.isArray {
            guard let number = single.integer else { throw error(key, "expected \(expected), found \(single.text)") }
            return [number]
        }
        var list = try nestedUnkeyedContainer(forKey: Key(key))
        var numbers: [Int] = []
        while !list.isAtEnd {
            let position = list.currentIndex
            let item = try list.decode(ScalarText.self)
            guard let number = item.integer else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: codingPath + [Key(key), FaultRule.Index(position)],
                    debugDescription: "expected an attempt number (a whole number of at least 1), found \(item.text)"))
            }
            numbers.append(number)
        }
        guard !numbers.isEmpty else { throw error(key, "expected \(expected), found an empty list") }
        return numbers
    }
}

extension FaultRule {
    /// An array position in a coding path.
    struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { self.intValue = index }
        init?(stringValue: String) { return nil }
        init?(intValue: Int) { self.intValue = intValue }
    }
}

/// Any JSON value, kept only as far as a message needs it: its integer value when it is a
/// whole number that fits in `Int`, and a short text of what it was.
struct ScalarText: Decodable {
    var integer: Int?
    var text: String
    var isArray = false

    init(from decoder: any Decoder) throws {
        if (try? decoder.unkeyedContainer()) != nil {
            text = "an array"
            isArray = true
            return
        }
        if (try? decoder.container(keyedBy: FaultRule.Key.self)) != nil {
            text = "an object"
            return
        }
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            integer = value
            text = "\(value)"
        } else if let value = try? container.decode(UInt64.self) {
            text = "\(value) (too large)"
        } else if let value = try? container.decode(Double.self) {
            text = "\(value)"
        } else {
            text = JSONValueDescription.of(container)
        }
    }
}

/// `text` quoted for a message, cut to 60 characters.
func shown(_ text: String) -> String {
    let cut = text.unicodeScalars.count > 60 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(60))) + "…" : text
    return "'\(cut)'"
}

/// The candidate nearest to `word` by edit distance, if it is close enough to be a typo.
func closest(to word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    guard word.unicodeScalars.count <= 64 else { return nil }
    let lowered = Array(word.lowercased())
    let best = candidates.map { ($0, distance(lowered, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= Swift.max(2, word.count / 3) else { return nil }
    return best.0
}
