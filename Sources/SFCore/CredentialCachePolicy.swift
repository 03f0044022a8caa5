import FoundationEssentials

/// When cached `credential_process` credentials may be handed out again. Pure.
///
/// botocore refreshes process credentials 15 minutes before expiry (10 minutes: mandatory). Reusing a cache
/// entry only while more than `min(16 min, half the lifetime)` remains means the SDK's refresh always gets
/// a fresh exchange, yet an SDK that calls the process on every start hits STS about twice per lifetime.
public enum CredentialCachePolicy {
    public static let sdkAdvisoryWindow: Duration = .seconds(16 * 60)

    public static func isReusable(issuedAt: Date, expiration: Date, now: Date) -> Bool {
        let lifetime = expiration.timeIntervalSince(issuedAt)
        // A clock jump back: distrust.
        guard lifetime > 0, now >= issuedAt.addingTimeInterval(-300) else { return false }
        let margin = min(sdkAdvisoryWindow.seconds, lifetime / 2)
        return expiration.timeIntervalSince(now) > margin
    }

    /// Credentials with no more than this left are never handed to an SDK, cached or fresh: it would reject them
    /// as expired and call the process again at once.
    public static let minimumValidity: Duration = .seconds(60)

    public static func isWorthHandingOut(expiration: Date, now: Date) -> Bool {
        expiration.timeIntervalSince(now) > minimumValidity.seconds
    }
}
