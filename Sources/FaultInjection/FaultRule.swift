public import ObjectStore
public import Platform

/// One entry of a scenario's `faults` array: which operations it selects and what it does to them.
///
/// A rule selects operations by operation (`op`), key (`path` glob), time (`window`), attempt
/// (`nth`, `every`, `maxCount`) and chance (`probability`); every selector that is present
/// must agree. What happens then is the rule's ``fault``.
///
/// Counting selectors count the attempts of one operation on one key (for reads: on one key
/// and range start) inside one ``FaultyStore``: `nth: [1]` hits the first try of every
/// selected key, `every: 2` the second, fourth, ... try, and `maxCount: 1` lets the rule hit
/// each key at most once, so a retry after it succeeds. They never count across keys: which
/// key is the "third delete of the run" depends on which task ran first, and the same seed must
/// inject the same faults under any scheduling. A rate across keys is `probability`.
///
/// `window` is the one selector that reads the clock: which operations fall inside it depends
/// on how fast the run goes, so a windowed rule reproduces its faults only as exactly as the
/// run reproduces its timing. The trace still records exactly what it hit.
public struct FaultRule: Sendable, Hashable {
    /// The operations a rule applies to: one, or all (`"*"`).
    public enum OperationSelector: String, Sendable, Hashable, Codable, CaseIterable {
        case write, read, stat, delete, list
        case any = "*"
        /// An `fsync` of a cache file or directory: an operation of the `local` layer only.
        case fsync
        /// A writer's abort (and the abort of an incomplete upload): selected only by name,
        /// never by `"*"`, so rules written before it existed hit what they always hit.
        case abort

        /// Whether `operation` is selected.
        public func matches(_ operation: ObjectStoreError.Operation) -> Bool {
            self == .any ? operation != .abort : rawValue == operation.rawValue
        }
    }

    /// Where a rule injects its fault.
    public enum Layer: String, Sendable, Hashable, Codable {
        /// In-process, by ``FaultyStore`` (the default).
        case store
        /// In an HTTP proxy in front of S3; ``FaultyStore`` leaves these rules alone.
        case network
        /// At the cache's local disk, by a ``FaultyFileSystem`` (see ``FaultRule/localFault``).
        case local
    }

    /// The operations selected (`op`).
    public var operation: OperationSelector
    /// What the rule does.
    public var fault: Fault
    /// Where the fault is injected.
    public var layer: Layer
    /// Chance that a selected operation is hit, in `[0, 1]`; `nil` means always.
    public var probability: Double?
    /// Attempt numbers (1-based, per operation and key) that are hit.
    public var nth: [Int]?
    /// Hits attempts `every`, `2 * every`, ... of an operation on a key.
    public var every: Int?
    /// Seconds into the run during which the rule is active.
    public var window: FaultWindow?
    /// Keys the rule applies to.
    public var path: PathGlob?
    /// Most hits of this rule on one operation and key.
    public var maxCount: Int?
    /// For a rule of the `local` layer, the disk error it injects (`enospc`, `eio`); its
    /// ``fault`` is then an `io` error standing for it. `nil` for every other layer.
    public var localFault: LocalFaultRule.Kind?
    /// A network rule's one S3 operation, when `op` named one (`"UploadPart"`); ``operation``
    /// is then the store operation it serves.
    public var s3Operation: S3Operation?

    /// Creates a rule; every selector defaults to "no restriction".
    public init(
        operation: OperationSelector,
        fault: Fault,
        layer: Layer = .store,
        probability: Double? = nil,
        nth: [Int]? = nil,
        every: Int? = nil,
        window: FaultWindow? = nil,
        path: PathGlob? = nil,
        maxCount: Int? = nil,
        s3Operation: S3Operation? = nil
    ) {
        self.operation = operation
        self.fault = fault
        self.layer = layer
        self.probability = probability
        self.nth = nth
        self.every = every
        self.window = window
        self.path = path
        self.maxCount = maxCount
        self.s3Operation = s3Operation
    }

    /// Checks the rule's values.
    ///
    /// - Errors: ``FaultRuleError`` naming the scenario field and the expected value: a
    ///   probability outside `[0, 1]`, a non-positive count, a fault kind on an operation it
    ///   cannot affect, unusable distribution parameters.
    public func validate() throws(FaultRuleError) {
        func fail(_ field: String, _ message: String) -> FaultRuleError {
            FaultRuleError(ruleIndex: nil, field: field, message: message)
        }
        if let probability, !(0...1).contains(probability) {
            throw fail("probability", "expected a number between 0 and 1, found \(probability)")
        }
        if let nth {
            if nth.isEmpty { throw fail("nth", "expected a non-empty list of attempt numbers (1 is the first attempt)") }
            if let bad = nth.first(where: { $0 < 1 }) { throw fail("nth", "attempt numbers start at 1, found \(bad)") }
        }
        if let every, every < 1 { throw fail("every", "expected a whole number of at least 1, found \(every)") }
        if let maxCount, maxCount < 0 { throw fail("maxCount", "expected a whole number of at least 0, found \(maxCount)") }
        try validateLayer()
        if let window, !(window.start >= 0 && window.end > window.start) {
            throw fail("window", "expected [start, end] seconds with 0 <= start < end, found [\(window.start), \(window.end)]")
        }
        switch layer {
        case .network:
            try validateNetwork()
            try fault.validate()
            return
        case .local:
            if s3Operation != nil { throw fail("op", "an S3 operation can only be selected by a network rule (\"layer\": \"network\")") }
        case .store:
            if s3Operation != nil { throw fail("op", "an S3 operation can only be selected by a network rule (\"layer\": \"network\")") }
            if fault.kind.isNetworkOnly {
                throw fail("kind", "'\(fault.kind.rawValue)' is a network fault: add \"layer\": \"network\" (it needs the fault proxy in front of S3)")
            }
        }
        if layer != .local, operation != .any, let op = ObjectStoreError.Operation(rawValue: operation.rawValue),
           !fault.kind.operations.contains(op) {
            let allowed = fault.kind.operations.map(\.rawValue).joined(separator: ", ")
            throw fail("kind", "'\(fault.kind.rawValue)' cannot affect '\(op.rawValue)' (it applies to: \(allowed))")
        }
        try fault.validate()
    }

    /// Whether the rule can ever hit `operation` (its selector and its kind agree).
    func applies(to operation: ObjectStoreError.Operation) -> Bool {
        layer == .store && self.operation.matches(operation) && fault.kind.operations.contains(operation)
    }
}

/// The span of a run, in seconds from its start, during which a rule is active: `[start, end)`.
public struct FaultWindow: Sendable, Hashable {
    /// Seconds into the run when the rule starts.
    public var start: Double
    /// Seconds into the run when it stops.
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Whether `elapsed` lies in the window.
    public func contains(_ elapsed: Duration) -> Bool {
        let seconds = elapsed.secondsDouble
        return seconds >= start && seconds < end
    }
}

/// A glob over object keys: `*` matches any run of characters (including `/`), `?` one
/// character, everything else itself. `"*.parquet"` matches `"7/0001.parquet"`.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
    }

    public var description: String { pattern }

    /// Whether `key` matches the whole pattern.
    public func matches(_ key: String) -> Bool {
        let text = Array(key)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < characters.count, characters[p] == "?" || characters[p] == text[t] && characters[p] != "*" {
                p += 1
                t += 1
            } else if p < characters.count, characters[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}

/// A rule whose values cannot be used.
public struct FaultRuleError: Error, Sendable, CustomStringConvertible {
    /// The rule's index in the plan, when known.
    public var ruleIndex: Int?
    /// The scenario field at fault (`probability`, `afterBytes`, ...).
    public var field: String
    /// What was wrong and what is expected.
    public var message: String

    public init(ruleIndex: Int?, field: String, message: String) {
        self.ruleIndex = ruleIndex
        self.field = field
        self.message = message
    }

    /// `faults[2].probability: expected a number between 0 and 1, found 1.5`.
    public var description: String {
        "faults\(ruleIndex.map { "[\($0)]" } ?? "[?]").\(field): \(message)"
    }
}
