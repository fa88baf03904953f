import ObjectStore
import Synchronization

extension FaultRule {
    /// The S3 operations a network rule selects: its one named operation, or those serving its
    /// store operation that accept its kind.
    public var networkOperations: [S3Operation] {
        guard layer == .network else { return [] }
        if let s3Operation { return s3Operation.accepts(fault.kind) ? [s3Operation] : [] }
        return S3Operation.serving(operation).filter { $0.accepts(fault.kind) }
    }

    /// Checks what only a network rule must satisfy: a kind the proxy can inject, into an
    /// operation it can affect, with parameters that take effect there.
    func validateNetwork() throws(FaultRuleError) {
        func fail(_ field: String, _ message: String) -> FaultRuleError {
            FaultRuleError(ruleIndex: nil, field: field, message: message)
        }
        switch fault {
        case .torn:
            throw fail("kind", "'torn' cannot be a network fault (a server that keeps a prefix is a store fault): remove \"layer\": \"network\"")
        case .crash:
            throw fail("kind", "'crash' cannot be a network fault (the process dies in-process): remove \"layer\": \"network\"")
        case .corrupt:
            throw fail("kind", "'corrupt' cannot be a network fault (the client checks what crosses the wire): remove \"layer\": \"network\"")
        case .error(let error), .error200(let error):
            if (InjectedError.knownCodes[error.code] ?? nil) == nil {
                throw fail("error", "the proxy answers with an HTTP status, and \(error.code) has none: use an S3 code such as SlowDown, InternalError or AccessDenied")
            }
        case .truncate(.afterFraction):
            throw fail("afterFraction", "a truncate fault cuts the response after afterBytes (the proxy does not know the length of every response)")
        default:
            break
        }
        guard !networkOperations.isEmpty else {
            let target = s3Operation?.rawValue ?? "'\(operation.rawValue)'"
            let allowed = S3Operation.allCases.filter { $0.accepts(fault.kind) }.map(\.rawValue).joined(separator: ", ")
            throw fail("kind", "'\(fault.kind.rawValue)' cannot affect \(target) (it applies to: \(allowed))")
        }
    }
}

extension FaultPlan {
    /// Whether some rule is for the network layer (the runner then starts the fault proxy).
    public var hasNetworkRules: Bool { rules.contains { $0.layer == .network } }

    /// One request as the network layer sees it.
    public struct NetworkAttempt: Sendable, Hashable {
        /// The S3 operation.
        public var operation: S3Operation
        /// The store's key (a listing's prefix).
        public var key: String
        /// UploadPart's part number, a ranged GetObject's first byte, else 0.
        public var part: UInt64
        /// The attempt of this operation on this key and part, from 1.
        public var attempt: Int
        /// Time since the run started.
        public var elapsed: Duration
        /// How often each rule has hit this operation, key and part before (for `maxCount`).
        public var priorHits: [Int: Int]

        public init(operation: S3Operation, key: String, part: UInt64 = 0, attempt: Int, elapsed: Duration = .zero,
                    priorHits: [Int: Int] = [:]) {
            self.operation = operation
            self.key = key
            self.part = part
            self.attempt = attempt
            self.elapsed = elapsed
            self.priorHits = priorHits
        }
    }

    /// Decides which network rules hit `attempt`: the same selectors, probability and sampling
    /// as ``decide(_:)`` (one shared implementation), hashed from the seed, rule, S3 operation,
    /// key, part and attempt.
    public func decideNetwork(_ attempt: NetworkAttempt) -> Decision {
        var decision = Decision()
        let base = FaultHash.combine(
            FaultHash.combine(FaultHash.combine(FaultHash.mix(seed), attempt.operation.code), FaultHash.key(attempt.key)),
            attempt.part)
        for index in rules.indices where rules[index].networkOperations.contains(attempt.operation) {
            consider(index, base: base, key: attempt.key, attempt: attempt.attempt, elapsed: attempt.elapsed,
                     priorHits: attempt.priorHits, into: &decision)
        }
        return decision
    }
}

/// The network layer's book-keeping, shared by every connection of one fault proxy: attempt
/// numbers per S3 operation, key and part, the decisions, and the trace.
///
/// An attempt is one request the store sent, told apart by its `x-flushbench-request` header:
/// libcurl may silently send a request again on a fresh connection when a reused one died before
/// any response byte, and such a resend is the same attempt (same decision, no new record).
/// Requests without the header (another client) are each a new attempt.
public final class NetworkFaults: Sendable {
    /// The header S3Store sends when it talks through a proxy: a number unique per request.
    public static let requestHeader = "x-flushbench-request"

    /// The rules and seed.
    public let plan: FaultPlan
    /// Where decisions are recorded (the run's trace, shared with the store layer).
    public let trace: FaultTrace
    private let origin: ContinuousClock.Instant

    private struct AttemptKey: Hashable {
        var operation: S3Operation
        var key: String
        var part: UInt64
    }

    private struct AttemptState {
        var requests: [String] = []
        var decisions: [FaultPlan.Decision] = []
        var hits: [Int: Int] = [:]
    }

    private let table = Mutex<[AttemptKey: AttemptState]>([:])
    private let enabled: Atomic<Bool>
    private let resendCount = Atomic<Int>(0)

    /// How many requests arrived again with a request number already seen (libcurl resending
    /// on a fresh connection after a reused one died before any response byte).
    public var resends: Int { resendCount.load(ordering: .relaxed) }

    /// Starts injecting (a layer created with `enabled: false`).
    public func enable() {
        enabled.store(true, ordering: .relaxed)
    }

    /// Stops injecting: later requests pass untouched (a run's checks and clean-up).
    public func disable() {
        enabled.store(false, ordering: .relaxed)
    }

    /// Creates the book-keeping for one run; with `enabled: false` nothing is injected until
    /// ``enable()``.
    public init(plan: FaultPlan, trace: FaultTrace, runStart: ContinuousClock.Instant = .now, enabled: Bool = true) {
        self.enabled = Atomic(enabled)
        self.plan = plan
        self.trace = trace
        self.origin = runStart
    }

    /// One request's attempt number and the faults that hit it.
    public struct Verdict: Sendable {
        public var attempt: Int
        public var decision: FaultPlan.Decision
        /// Whether this is libcurl sending an attempt again (nothing new is recorded).
        public var isResend: Bool
    }

    /// Numbers the request and decides its faults.
    public func begin(_ target: S3RequestTarget, requestID: String?) -> Verdict? {
        guard let operation = target.operation, enabled.load(ordering: .relaxed) else { return nil }
        let elapsed = ContinuousClock.now - origin
        let plan = self.plan
        return table.withLock { table in
            let id = AttemptKey(operation: operation, key: target.key, part: target.part)
            var state = table[id] ?? AttemptState()
            if let requestID, let seen = state.requests.firstIndex(of: requestID) {
                resendCount.add(1, ordering: .relaxed)
                return Verdict(attempt: seen + 1, decision: state.decisions[seen], isResend: true)
            }
            let attempt = state.requests.count + 1
            let decision = plan.decideNetwork(FaultPlan.NetworkAttempt(
                operation: operation, key: target.key, part: target.part, attempt: attempt,
                elapsed: elapsed, priorHits: state.hits))
            for rule in decision.rules { state.hits[rule, default: 0] += 1 }
            state.requests.append(requestID ?? "#\(attempt)")
            state.decisions.append(decision)
            table[id] = state
            return Verdict(attempt: attempt, decision: decision, isResend: false)
        }
    }

    /// Records one fault the proxy applies.
    public func record(_ target: S3RequestTarget, attempt: Int, rule: Int, kind: FaultKind, bytes: UInt64 = 0,
                       delay: Duration? = nil, detail: String) {
        guard let operation = target.operation else { return }
        let isRead = operation == .getObject
        trace.record(FaultRecord(
            rule: rule, kind: kind, operation: operation.storeOperation, key: target.key,
            offset: isRead ? target.part : nil, attempt: attempt, bytesAffected: bytes,
            delaySeconds: delay?.secondsDouble, detail: detail,
            layer: .network, s3Operation: operation, part: isRead || target.part == 0 ? nil : Int(target.part)))
    }
}
