import ObjectStore

/// Scenario JSON for fault rules: the field names of DESIGN.md, unknown keys rejected.
///
/// A rule is one flat object: `op`, `kind`, the selectors (`probability`, `nth`, `every`,
/// `window`, `path`, `maxCount`), `layer`, and the kind's parameters — latency:
/// `distribution` with `value` | `min`, `max` | `mean`, `stddev` | `mean` | `scale`, `shape`
/// (and `max` as a cap); error: `error`, `retryAfter`; partial: `afterBytes` or
/// `afterFraction`, `error`; torn: `afterBytes` or `afterFraction` (default half);
/// ackLost: `error`; bandwidth: `bytesPerSecond`; hang: `max`. `window` is `[start, end]` in
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
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kindName = try c.required(String.self, "kind", expected: "a fault kind")
        guard let kind = FaultKind(rawValue: kindName) else {
            throw c.error("kind", "unknown fault kind '\(kindName)' (known: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let allowed = Set(Self.selectorKeys + Self.parameterKeys[kind, default: []])
        for key in c.allKeys where !allowed.contains(key.stringValue) {
            let everyKey = Self.selectorKeys + Self.parameterKeys.values.flatMap { $0 }
            if everyKey.contains(key.stringValue) {
                throw c.error(key.stringValue, "'\(key.stringValue)' is not a parameter of kind '\(kind.rawValue)' (its parameters: \(Self.parameterKeys[kind, default: []].joined(separator: ", ")))")
            }
            let hint = closest(to: key.stringValue, in: everyKey).map { " (did you mean '\($0)'?)" } ?? ""
            throw c.error(key.stringValue, "unknown key '\(key.stringValue)'\(hint)")
        }

        let opName = try c.required(String.self, "op", expected: "an operation")
        guard let operation = OperationSelector(rawValue: opName) else {
            throw c.error("op", "unknown operation '\(opName)' (known: write, read, stat, delete, list, *)")
        }
        var layer = Layer.store
        if let name = try c.optional(String.self, "layer", expected: "\"store\" or \"network\"") {
            guard let value = Layer(rawValue: name) else { throw c.error("layer", "expected \"store\" or \"network\", found \"\(name)\"") }
            layer = value
        }
        let fault = try Self.decodeFault(kind, c)
        let nth: [Int]?
        if let single = try? c.decodeIfPresent(Int.self, forKey: Key("nth")) {
            nth = [single]
        } else {
            nth = try c.optional([Int].self, "nth", expected: "a list of attempt numbers such as [1, 3]")
        }
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
            every: try c.optional(Int.self, "every", expected: "a whole number of at least 1"),
            window: window,
            path: try c.optional(String.self, "path", expected: "a glob such as \"*.parquet\"").map(PathGlob.init),
            maxCount: try c.optional(Int.self, "maxCount", expected: "a whole number"))
        do {
            try validate()
        } catch {
            throw c.error(error.field, error.message)
        }
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
                throw c.error("error", "unknown S3 error code '\(name)' (known: \(known))")
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
                throw c.error("distribution", "unknown distribution '\(name)' (known: fixed, uniform, normal, exponential, pareto)")
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
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(operation.rawValue, forKey: Key("op"))
        try c.encode(fault.kind.rawValue, forKey: Key("kind"))
        if layer != .store { try c.encode(layer.rawValue, forKey: Key("layer")) }
        try c.encodeIfPresent(probability, forKey: Key("probability"))
        try c.encodeIfPresent(nth, forKey: Key("nth"))
        try c.encodeIfPresent(every, forKey: Key("every"))
        try c.encodeIfPresent(window.map { [$0.start, $0.end] }, forKey: Key("window"))
        try c.encodeIfPresent(path?.pattern, forKey: Key("path"))
        try c.encodeIfPresent(maxCount, forKey: Key("maxCount"))
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
        case .error(let error), .ackLost(let error):
            try put(error)
        case .partial(let cut, let error):
            try put(cut)
            try put(error)
        case .torn(let cut):
            try put(cut)
        case .bandwidth(let rate):
            try c.encode(rate, forKey: Key("bytesPerSecond"))
        case .hang(let limit):
            try put(limit, "max")
        case .crash:
            break
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
    let lowered = Array(word.lowercased())
    let best = candidates.map { ($0, distance(lowered, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= Swift.max(2, word.count / 3) else { return nil }
    return best.0
}
