import FoundationEssentials

/// When to refresh credentials, from the lifetime each STS actually granted. Pure.
public struct RefreshSchedule: Sendable, Equatable {
    /// Fraction of the lifetime after which to refresh.
    public var lifetimeFraction: Double
    /// ± spread of the refresh delay, as a fraction of it.
    public var jitterFraction: Double
    /// Never plan a refresh closer than this to expiry (SDKs start refreshing 10–15 min before).
    public var minimumRemaining: Duration

    public init(lifetimeFraction: Double, jitterFraction: Double, minimumRemaining: Duration = .seconds(5)) {
        self.lifetimeFraction = lifetimeFraction
        self.jitterFraction = jitterFraction
        self.minimumRemaining = minimumRemaining
    }

    public init(_ refresh: RefreshConfiguration) {
        self.init(lifetimeFraction: refresh.lifetimeFraction, jitterFraction: refresh.jitterFraction)
    }

    /// The delay from `issuedAt` to the next refresh of credentials expiring at `expiration`.
    ///
    /// `fraction · lifetime`, spread by ±`jitterFraction`, and never later than
    /// `expiration − minimumRemaining`, never negative.
    public func delay(issuedAt: Date, expiration: Date, using random: inout some RandomNumberGenerator) -> Duration {
        let lifetime = expiration.timeIntervalSince(issuedAt)
        guard lifetime > 0 else { return .zero }
        let base = lifetime * lifetimeFraction
        let spread = base * jitterFraction
        let jittered = spread > 0 ? base + Double.random(in: -spread...spread, using: &random) : base
        let latest = lifetime - minimumRemaining.seconds
        return .seconds(max(0, min(jittered, latest)))
    }

    /// Lifetimes shorter than this leave SDKs that refresh 15 minutes before expiry refreshing constantly.
    public static let sdkRefreshWindow: Duration = .seconds(15 * 60)

    /// True when the granted lifetime is shorter than common SDK refresh windows (worth a warning).
    public static func isShorterThanSDKWindow(issuedAt: Date, expiration: Date) -> Bool {
        expiration.timeIntervalSince(issuedAt) < sdkRefreshWindow.seconds
    }
}
