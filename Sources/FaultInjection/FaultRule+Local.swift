public import Platform
import ObjectStore

/// The `local` fault layer: disk errors (`enospc`, `eio`) on the cache's file writes and
/// fsyncs, injected by a ``FaultyFileSystem`` under the cache.
///
/// A local rule is `{"layer": "local", "op": "write" | "fsync", "kind": "enospc" | "eio"}`
/// with the selectors `path` (a glob over the file's path), `nth`, `every`, `probability`
/// and `maxCount`, counted per operation and file (a temp file by its cache name, without its
/// random suffix). `window` is rejected: the local layer does not read the run's clock.
extension FaultRule {
    /// The kinds of the local layer.
    static let localKinds = LocalFaultRule.Kind.allCases.map(\.rawValue)
    /// The selectors a local rule takes.
    static let localKeys = ["op", "kind", "layer", "probability", "nth", "every", "path", "maxCount"]

    /// Decodes a rule whose `layer` is `local`.
    init(local c: KeyedDecodingContainer<Key>) throws {
        let kindName = try c.required(String.self, "kind", expected: "enospc or eio")
        guard let kind = LocalFaultRule.Kind(rawValue: kindName) else {
            throw c.error("kind", "the local layer injects disk errors: expected enospc or eio, found \(shown(kindName))"
                + (FaultKind(rawValue: kindName) != nil ? " ('\(kindName)' is a fault of the store layer)" : ""))
        }
        for key in c.allKeys where !Self.localKeys.contains(key.stringValue) {
            let reason = key.stringValue == "window" ? "the local layer does not read the run's clock, so a window could not take effect"
                : "it is not a selector of the local layer (its selectors: \(Self.localKeys.joined(separator: ", ")))"
            throw c.error(key.stringValue, "unknown key \(shown(key.stringValue)) for a local rule: \(reason)")
        }
        let opName = try c.required(String.self, "op", expected: "write or fsync")
        guard let operation = OperationSelector(rawValue: opName), operation == .write || operation == .fsync else {
            throw c.error("op", "the local layer fails file writes and fsyncs: expected write or fsync, found \(shown(opName))")
        }
        self.init(
            operation: operation, fault: .error(InjectedError(code: .io)), layer: .local,
            probability: try c.optional(Double.self, "probability", expected: "a number between 0 and 1"),
            nth: try c.attemptNumbers("nth"),
            every: try c.wholeNumber("every", expected: "a whole number of at least 1"),
            path: try Self.decodeGlob(c),
            maxCount: try Self.decodeMaxCount(c))
        localFault = kind
        do {
            try validate()
        } catch {
            throw c.error(error.field, error.message)
        }
    }

    /// The layer's own checks: a local rule has a disk error kind and a file operation; a rule
    /// of another layer has neither.
    func validateLayer() throws(FaultRuleError) {
        func fail(_ field: String, _ message: String) -> FaultRuleError {
            FaultRuleError(ruleIndex: nil, field: field, message: message)
        }
        if layer == .local {
            guard localFault != nil else { throw fail("kind", "a local rule injects enospc or eio") }
            guard operation == .write || operation == .fsync else {
                throw fail("op", "the local layer fails file writes and fsyncs: expected write or fsync, found '\(operation.rawValue)'")
            }
            if window != nil { throw fail("window", "the local layer does not read the run's clock, so a window could not take effect") }
        } else {
            if let localFault { throw fail("layer", "'\(localFault.rawValue)' is a disk error of the local layer: add \"layer\": \"local\"") }
            if operation == .fsync { throw fail("op", "'fsync' is an operation of the local layer: add \"layer\": \"local\"") }
        }
    }

    /// This rule as the file layer's ``LocalFaultRule``; `nil` for rules of other layers.
    public var localRule: LocalFaultRule? {
        guard layer == .local, let localFault else { return nil }
        var matcher: (@Sendable (String) -> Bool)?
        if let glob = path {
            matcher = { (candidate: String) -> Bool in glob.matches(candidate) }
        }
        let fileOperation: LocalFaultRule.Operation = operation == .fsync ? .fsync : .write
        return LocalFaultRule(operation: fileOperation, kind: localFault, pathMatches: matcher,
                              nth: nth, every: every, probability: probability, maxCount: maxCount)
    }
}

extension FaultPlan {
    /// Whether the plan has rules of the local layer.
    public var hasLocalRules: Bool { rules.contains { $0.layer == .local } }

    /// `base` with the plan's local rules injected (``FaultyFileSystem``), each injected fault
    /// recorded in `trace` with layer `local`; `base` itself when the plan has none.
    public func localFileSystem(over base: any FileSystem, trace: FaultTrace) -> any FileSystem {
        let local = rules.enumerated().compactMap { index, rule in rule.localRule.map { (index, $0) } }
        guard !local.isEmpty else { return base }
        let planIndex = local.map(\.0)
        return FaultyFileSystem(base: base, rules: local.map(\.1), seed: seed) { event in
            trace.record(FaultRecord(
                rule: planIndex[event.rule], kind: .error, operation: .write, key: event.path, attempt: event.attempt,
                detail: "\(event.kind.rawValue.uppercased()) on \(event.operation.rawValue) (local)", layer: .local))
        }
    }
}
