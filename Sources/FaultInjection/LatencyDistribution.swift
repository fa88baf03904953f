#if canImport(Glibc)
import Glibc
#endif

/// How long an injected latency lasts: a fixed value or a sample from a distribution.
///
/// Samples are drawn from uniform numbers that the plan derives from its decision hash, never
/// from a random generator, so the same seed, rule, operation, key and attempt always give the
/// same delay. Every distribution may be capped by ``cap`` (`max` in a scenario); none is ever
/// negative.
public struct LatencyDistribution: Sendable, Hashable {
    /// The distribution's shape and parameters.
    public enum Shape: Sendable, Hashable {
        /// Always `value`.
        case fixed(value: Duration)
        /// Evenly spread between `min` and `max`.
        case uniform(min: Duration, max: Duration)
        /// Normal around `mean` with standard deviation `stddev`, cut at zero.
        case normal(mean: Duration, stddev: Duration)
        /// Exponential with mean `mean` (memoryless waits, e.g. queueing).
        case exponential(mean: Duration)
        /// Pareto with minimum `scale` and tail index `shape` (heavy tails: a few very slow calls).
        case pareto(scale: Duration, shape: Double)

        /// The name used in scenario files.
        public var name: String {
            switch self {
            case .fixed: "fixed"
            case .uniform: "uniform"
            case .normal: "normal"
            case .exponential: "exponential"
            case .pareto: "pareto"
            }
        }
    }

    /// The shape and parameters.
    public var shape: Shape
    /// The longest delay ever injected, if capped.
    public var cap: Duration?

    /// Creates a distribution; `cap` bounds every sample.
    public init(_ shape: Shape, cap: Duration? = nil) {
        self.shape = shape
        self.cap = cap
    }

    /// A delay drawn with two independent uniform numbers in `[0, 1)`.
    ///
    /// - Parameters:
    ///   - u1: the first uniform number (the only one most shapes use).
    ///   - u2: the second uniform number (the normal shape's Box–Muller pair).
    /// - Returns: the delay, at least zero and at most ``cap``.
    public func sample(_ u1: Double, _ u2: Double) -> Duration {
        let seconds: Double
        switch shape {
        case .fixed(let value):
            seconds = value.secondsDouble
        case .uniform(let low, let high):
            seconds = low.secondsDouble + u1 * (high.secondsDouble - low.secondsDouble)
        case .normal(let mean, let stddev):
            // Box–Muller: 1 - u1 lies in (0, 1], so the logarithm is finite.
            let z = (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
            seconds = mean.secondsDouble + z * stddev.secondsDouble
        case .exponential(let mean):
            seconds = -mean.secondsDouble * log(1 - u1)
        case .pareto(let scale, let shape):
            seconds = scale.secondsDouble / pow(1 - u1, 1 / shape)
        }
        let delay = Duration.seconds(rounding: seconds)
        if let cap, delay > cap { return cap }
        return delay
    }

    /// Why the parameters cannot be used, as (scenario field, message), or `nil` when they can.
    func problem() -> (field: String, message: String)? {
        switch shape {
        case .fixed(let value) where value < .zero:
            return ("value", "a latency must not be negative")
        case .uniform(let low, let high) where low < .zero || high < low:
            return ("max", "a uniform latency needs 0 <= min <= max, found min \(DurationText(low)), max \(DurationText(high))")
        case .normal(let mean, let stddev) where mean < .zero || stddev < .zero:
            return ("stddev", "a normal latency needs a non-negative mean and stddev")
        case .exponential(let mean) where mean <= .zero:
            return ("mean", "an exponential latency needs a positive mean")
        case .pareto(let scale, let shape) where scale <= .zero || !(shape > 0) || !shape.isFinite:
            return ("shape", "a pareto latency needs a positive scale and a positive, finite shape")
        default:
            if let cap, cap < .zero { return ("max", "the cap must not be negative") }
            return nil
        }
    }
}
