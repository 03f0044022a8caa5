/// Exponential backoff with full jitter (the AWS SDKs' "standard" retry mode), pure.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// The share of the ceiling that is random: 0.5 ("equal jitter") waits between half and all of it.
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 1)
    }

    public init(_ refresh: RefreshConfiguration) {
        self.init(initial: .seconds(refresh.backoffInitialSeconds), maximum: .seconds(refresh.backoffMaxSeconds))
    }

    /// The ceiling for the `attempt`-th retry (0-based): `initial · 2^attempt`, capped at `maximum`.
    public func ceiling(attempt: Int) -> Duration {
        let factor = Double(1 << min(max(attempt, 0), 30))
        let seconds = min(initial.seconds * factor, maximum.seconds)
        return .seconds(seconds)
    }

    /// The delay before the `attempt`-th retry: uniformly in [ceiling·(1−jitter), ceiling] (by default
    /// half to all of it), so a retry is never immediate but pods that failed together spread out.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(attempt: attempt).seconds
        return .seconds(Double.random(in: (ceiling * (1 - jitter))...ceiling, using: &random))
    }
}
