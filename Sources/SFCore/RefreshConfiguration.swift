/// `refresh`: timing of exchanges, retries and refreshes.
public struct RefreshConfiguration: Sendable, Equatable {
    /// Refresh once this fraction of the issued lifetime has passed.
    public var lifetimeFraction: Double = 0.5
    /// Random spread around the refresh time, as a fraction of the refresh delay (±).
    public var jitterFraction: Double = 0.1
    /// One HTTP request's deadline (connect + transfer).
    public var requestTimeoutSeconds: Int = 10
    /// How long one exchange keeps retrying transient failures before it gives up (for `--once`, the whole budget).
    public var retryDeadlineSeconds: Int = 60
    /// First retry delay; doubles on each failure.
    public var backoffInitialSeconds: Double = 1
    /// Cap on the retry delay.
    public var backoffMaxSeconds: Double = 60
    /// Log a warning when an STS `Date` header differs from the local clock by more than this.
    public var clockSkewWarningSeconds: Int = 60
    /// A failed refresh with less validity than this left is an error, and readiness goes false.
    public var expiryMarginSeconds: Int = 60

    public init() {}
}
