/// When and how long to wait before trying a failed remote operation again.
///
/// Exponential back-off with full jitter: before attempt `n + 1` wait a uniformly random time
/// in `0 ... min(maxBackoff, initialBackoff × 2^(n-1))`, and at least the store's `Retry-After`
/// up to `maxBackoff` (a server cannot make a client wait longer than its policy allows).
/// Only transient errors are retried (see ``ObjectStoreError/isTransient``); permanent ones
/// (access denied, missing bucket, bad request) fail at once.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Attempts in all, the first included (1 = never retry).
    public var maxAttempts: Int
    /// The back-off bound after the first failure.
    public var initialBackoff: Duration
    /// The largest back-off bound.
    public var maxBackoff: Duration

    /// Creates a policy; 3 attempts, 20 ms initial and 1 s maximum back-off by default.
    public init(maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(20), maxBackoff: Duration = .seconds(1)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// A policy that never retries.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The upper bound of the back-off after failed attempt `attempt` (1-based).
    public func backoffBound(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let bound = initialBackoff * (1 << exponent)
        return min(bound, maxBackoff)
    }

    /// A jittered back-off after failed attempt `attempt`, never less than `retryAfter` capped
    /// at ``maxBackoff``; never more than ``maxBackoff``.
    public func backoff(afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        let bound = backoffBound(afterAttempt: attempt)
        let nanoseconds = bound.components.seconds * 1_000_000_000 + bound.components.attoseconds / 1_000_000_000
        let jitter = nanoseconds > 0 ? Duration.nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator)) : .zero
        return max(jitter, min(retryAfter ?? .zero, maxBackoff))
    }
}
