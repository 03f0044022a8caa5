import FoundationEssentials
import SFCore
import Synchronization

/// ID tokens the GCE metadata emulation minted, kept per audience and format until near their `exp`,
/// so a client that asks for the same audience on every request costs one IAM `generateIdToken` call
/// per token lifetime, not one per request. Bounded: expired entries are dropped on every insert and,
/// beyond `capacity`, the entry expiring first. A token without a readable `exp` is not kept.
///
/// Concurrent first requests for one audience may each mint a token (no single-flight); the cache then
/// keeps the last one.
public final class IDTokenCache: Sendable {
    public static let defaultCapacity = 32

    /// What the token depends on: the audience and whether it is in `format=full` (with the email).
    public struct Key: Hashable, Sendable {
        public var audience: String
        public var includeEmail: Bool

        public init(audience: String, includeEmail: Bool) {
            self.audience = audience
            self.includeEmail = includeEmail
        }
    }

    struct Entry {
        var token: String
        var issuedAt: Date?
        var expires: Date
    }

    private let entries = Mutex<[Key: Entry]>([:])
    public let capacity: Int

    public init(capacity: Int = defaultCapacity) {
        precondition(capacity > 0, "an ID-token cache needs room for at least one token")
        self.capacity = capacity
    }

    /// The cached token for `key` while it has more than `margin` left at `now` (the margin scaled down
    /// for short lifetimes, as for access tokens); else nil.
    public func token(for key: Key, now: Date, margin: Duration) -> String? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            let effective = Readiness.effectiveMargin(margin, issuedAt: entry.issuedAt, expiration: entry.expires)
            return entry.expires.timeIntervalSince(now) > effective.seconds ? entry.token : nil
        }
    }

    /// Keeps `token` for `key` until its `exp`; ignored when the token is not a JWT with `exp` in the future.
    public func insert(_ token: String, for key: Key, now: Date) {
        guard let claims = try? JWTClaims(decodingCompactJWT: token, origin: "IAM generateIdToken"),
            let expires = claims.expiresAt, expires > now
        else { return }
        entries.withLock { entries in
            entries = entries.filter { $0.value.expires > now }
            if entries[key] == nil, entries.count >= capacity,
                let first = entries.min(by: { $0.value.expires < $1.value.expires })?.key
            {
                entries[first] = nil
            }
            entries[key] = Entry(token: token, issuedAt: claims.issuedAt ?? now, expires: expires)
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
