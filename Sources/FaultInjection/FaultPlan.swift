public import ObjectStore

/// A scenario's fault rules and seed: decides, for each operation a store is asked to do,
/// which faults hit it.
///
/// ``decide(_:)`` is a pure function of the seed, the rule, the operation, the key (and a
/// read's range start), the attempt number and, for rules with a `window`, the time into the
/// run. Nothing depends on which task asked first, so the same scenario and seed inject the same
/// faults into the same operations at concurrency 1 or 16. See ``FaultRule`` for how the
/// counting selectors count.
public struct FaultPlan: Sendable, Hashable {
    /// The seed every decision is derived from.
    public let seed: UInt64
    /// The rules, in scenario order; a rule's index is its name in traces.
    public let rules: [FaultRule]
    /// For each operation (by ``operationCode``), the indices of the rules that can hit it.
    let rulesByOperation: [[Int]]
    /// Whether any rule has a `window` (only then is the clock read).
    let usesWindow: Bool
    /// Whether any rule has a `maxCount` (only then are hits per key counted).
    let usesMaxCount: Bool

    /// A plan that injects nothing.
    public static let empty = FaultPlan(seed: 0, validatedRules: [])

    /// Creates a plan.
    ///
    /// - Parameters:
    ///   - seed: the scenario's seed.
    ///   - rules: the rules in scenario order.
    /// - Errors: ``FaultRuleError`` for the first rule whose values cannot be used, naming its
    ///   index and field.
    public init(seed: UInt64, rules: [FaultRule]) throws(FaultRuleError) {
        for (index, rule) in rules.enumerated() {
            do {
                try rule.validate()
            } catch {
                var error = error
                error.ruleIndex = index
                throw error
            }
        }
        self.init(seed: seed, validatedRules: rules)
    }

    private init(seed: UInt64, validatedRules rules: [FaultRule]) {
        self.seed = seed
        self.rules = rules
        var byOperation = Array(repeating: [Int](), count: ObjectStoreError.Operation.allCases.count)
        for operation in ObjectStoreError.Operation.allCases {
            byOperation[FaultPlan.operationCode(operation)] = rules.indices.filter { rules[$0].applies(to: operation) }
        }
        self.rulesByOperation = byOperation
        self.usesWindow = rules.contains { $0.window != nil }
        self.usesMaxCount = rules.contains { $0.maxCount != nil }
    }

    /// Whether some rule can hit `operation`; when none can, a store passes it straight through.
    public func affects(_ operation: ObjectStoreError.Operation) -> Bool {
        !rulesByOperation[FaultPlan.operationCode(operation)].isEmpty
    }

    /// One operation as the plan sees it.
    public struct Attempt: Sendable, Hashable {
        /// The operation.
        public var operation: ObjectStoreError.Operation
        /// The key (a list's prefix).
        public var key: String
        /// A read's range start (0 for other operations): ranges of one object are separate streams.
        public var offset: UInt64
        /// The attempt number of this operation on this key and offset, from 1.
        public var attempt: Int
        /// Time since the run started.
        public var elapsed: Duration
        /// How often each rule has hit this operation and key before (for `maxCount`).
        public var priorHits: [Int: Int]

        public init(operation: ObjectStoreError.Operation, key: String, offset: UInt64 = 0, attempt: Int,
                    elapsed: Duration = .zero, priorHits: [Int: Int] = [:]) {
            self.operation = operation
            self.key = key
            self.offset = offset
            self.attempt = attempt
            self.elapsed = elapsed
            self.priorHits = priorHits
        }
    }

    /// The faults that hit one operation.
    public struct Decision: Sendable, Equatable {
        /// A delay chosen by a latency rule.
        public struct Delay: Sendable, Equatable {
            public var rule: Int
            public var delay: Duration
        }

        /// A rate limit chosen by a bandwidth rule.
        public struct RateLimit: Sendable, Equatable {
            public var rule: Int
            public var bytesPerSecond: UInt64
        }

        /// The fault that decides how the operation ends, and its rule.
        public struct Outcome: Sendable, Equatable {
            public var rule: Int
            public var fault: Fault
            /// Bits drawn from the decision's hash for the fault's own choices (which bytes a
            /// `corrupt` fault flips).
            public var entropy: UInt64 = 0
        }

        /// Delays to apply, in rule order.
        public var latencies: [Delay] = []
        /// The slowest rate limit that applies.
        public var bandwidth: RateLimit?
        /// The first outcome fault (error, partial, torn, ackLost, hang, crash) that hit.
        public var outcome: Outcome?

        /// Whether nothing hit the operation.
        public var isEmpty: Bool { latencies.isEmpty && bandwidth == nil && outcome == nil }

        /// The rules that hit (for `maxCount` book-keeping).
        public var rules: [Int] {
            latencies.map(\.rule) + [bandwidth?.rule, outcome?.rule].compactMap { $0 }
        }

        public init() {}
    }

    /// Decides which rules hit `attempt`.
    ///
    /// A rule hits when its operation, `path`, `window`, `nth`, `every` and `maxCount` all
    /// select the attempt and a uniform number drawn from the hash is below its `probability`.
    /// Latencies (sampled from the same hash) and the slowest bandwidth limit stack with the
    /// first outcome fault (error, partial, torn, ackLost, hang or crash); later outcome rules
    /// that also hit are not applied.
    public func decide(_ attempt: Attempt) -> Decision {
        var decision = Decision()
        let candidates = rulesByOperation[FaultPlan.operationCode(attempt.operation)]
        guard !candidates.isEmpty else { return decision }
        let base = FaultHash.combine(
            FaultHash.combine(
                FaultHash.combine(FaultHash.mix(seed), UInt64(FaultPlan.operationCode(attempt.operation))),
                FaultHash.key(attempt.key)),
            attempt.offset)
        for index in candidates {
            consider(index, base: base, key: attempt.key, attempt: attempt.attempt, elapsed: attempt.elapsed,
                     priorHits: attempt.priorHits, into: &decision)
        }
        return decision
    }

    /// Adds rule `index` to `decision` when every selector picks this attempt: the one place
    /// where selectors, probability and sampled parameters are decided, for the store layer and
    /// the network layer alike (`base` already folds in the seed, operation, key and offset).
    func consider(_ index: Int, base: UInt64, key: String, attempt: Int, elapsed: Duration, priorHits: [Int: Int],
                  into decision: inout Decision) {
        let rule = rules[index]
        if let path = rule.path, !path.matches(key) { return }
        if let window = rule.window, !window.contains(elapsed) { return }
        if let nth = rule.nth, !nth.contains(attempt) { return }
        if let every = rule.every, attempt % every != 0 { return }
        if let maxCount = rule.maxCount, priorHits[index, default: 0] >= maxCount { return }
        let hash = FaultHash.combine(FaultHash.combine(base, UInt64(index)), UInt64(attempt))
        if let probability = rule.probability, FaultHash.unit(FaultHash.combine(hash, 1)) >= probability { return }
        switch rule.fault {
        case .latency(let distribution):
            let delay = distribution.sample(FaultHash.unit(FaultHash.combine(hash, 2)), FaultHash.unit(FaultHash.combine(hash, 3)))
            decision.latencies.append(Decision.Delay(rule: index, delay: delay))
        case .bandwidth(let rate):
            if decision.bandwidth.map({ rate < $0.bytesPerSecond }) ?? true {
                decision.bandwidth = Decision.RateLimit(rule: index, bytesPerSecond: rate)
            }
        default:
            if decision.outcome == nil {
                decision.outcome = Decision.Outcome(rule: index, fault: rule.fault, entropy: FaultHash.combine(hash, 4))
            }
        }
    }

    /// A stable number for each operation, part of every decision hash (never reordered).
    @inline(__always)
    static func operationCode(_ operation: ObjectStoreError.Operation) -> Int {
        switch operation {
        case .write: 0
        case .read: 1
        case .stat: 2
        case .delete: 3
        case .list: 4
        case .abort: 5
        }
    }
}
