public import Platform

/// When and how long to wait before trying a failed remote operation again.
///
/// Exponential back-off with full jitter: before attempt `n + 1` wait a uniformly random time
/// in `0 ... min(maxBackoff, initialBackoff × 2^(n-1))`, and at least the store's `Retry-After`
/// up to `maxBackoff` (a server cannot make a client wait longer than its policy allows).
/// Only transient errors are retried (see ``ObjectStoreError/isTransient``); permanent ones
/// (access denied, missing bucket, bad request) fail at once.
///
/// The jitter comes from the system generator, or, with a ``jitterSeed``, from a SplitMix64
/// seeded with the seed, the operation, the key and the attempt: a pure function of them, so a
/// simulated run draws the same back-offs whatever order its tasks run in.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Attempts in all, the first included (1 = never retry).
    public var maxAttempts: Int
    /// The back-off bound after the first failure.
    public var initialBackoff: Duration
    /// The largest back-off bound.
    public var maxBackoff: Duration
    /// Seeds the jitter (`nil`: the system generator). For simulations and reproducible runs.
    public var jitterSeed: UInt64?

    /// Creates a policy; 3 attempts, 20 ms initial and 1 s maximum back-off, system jitter by default.
    public init(maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(20), maxBackoff: Duration = .seconds(1),
                jitterSeed: UInt64? = nil) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitterSeed = jitterSeed
    }

    /// The generator of the back-offs of one retried operation on `key`, after failed attempt
    /// `attempt`: seeded from ``jitterSeed`` and the three of them, or the system's.
    public func jitterGenerator(operation: String, key: String, attempt: Int) -> JitterGenerator {
        guard let jitterSeed else { return .system(SystemRandomNumberGenerator()) }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in operation.utf8 + [0] + key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return .seeded(SplitMix64(seed: SplitMix64.mix(jitterSeed ^ SplitMix64.mix(hash ^ UInt64(attempt)))))
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

/// The source of back-off jitter: the system generator, or a seeded SplitMix64.
public enum JitterGenerator: RandomNumberGenerator {
    case system(SystemRandomNumberGenerator)
    case seeded(SplitMix64)

    public mutating func next() -> UInt64 {
        switch self {
        case .system(var generator):
            return generator.next()
        case .seeded(var generator):
            defer { self = .seeded(generator) }
            return generator.next()
        }
    }
}
