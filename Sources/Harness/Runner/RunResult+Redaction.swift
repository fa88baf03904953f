import ObjectStore
import WriteCache

extension RunResult {
    /// The result as written: keys made real (run id included, so anyone can find the objects
    /// with their own tools), the run's identity recorded, and every whole occurrence of a secret
    /// replaced (``Redaction``) in every text a store or a check may have filled in.
    func finished(keys: RunKeys, secrets: [String]) -> RunResult {
        var result = self
        result.runId = keys.runID.value
        result.remotePrefix = keys.runPrefix
        result.objects = objects.map { object in
            var real = object
            real.key = keys.realKey(object.key)
            return real
        }
        result.knownOrphans = knownOrphans.map { orphan in
            var real = orphan
            real.key = keys.realKey(orphan.key)
            real.reason = Redaction.redact(orphan.reason, secrets: secrets)
            return real
        }
        result.unknownOrphans = unknownOrphans.map(keys.realKey)
        guard !secrets.isEmpty else { return result }
        result.store = Redaction.redact(store, secrets: secrets)
        result.failures = failures.map { failure in
            var redacted = failure
            redacted.message = Redaction.redact(failure.message, secrets: secrets)
            return redacted
        }
        result.checks = checks.map { check in
            var redacted = check
            redacted.detail = Redaction.redact(check.detail, secrets: secrets)
            return redacted
        }
        return result
    }
}
