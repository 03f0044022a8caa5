import FoundationEssentials

/// An OIDC JWT that proves the workload's identity (a projected service-account token, a Google ID token).
///
/// Secret-bearing: `description` never shows the token, only its claims.
public struct IdentityToken: Sendable, Equatable, CustomStringConvertible {
    /// The compact JWT, exactly as read (surrounding whitespace removed).
    public let value: String
    /// The decoded (unverified) claims.
    public let claims: JWTClaims

    public init(value: String, claims: JWTClaims) {
        self.value = value
        self.claims = claims
    }

    /// Decodes a compact JWT; the STS verifies the signature, this only reads the claims to fail early.
    public init(decoding text: String, origin: String) throws(IdentityTokenError) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .empty(origin: origin) }
        self.value = trimmed
        self.claims = try JWTClaims(decodingCompactJWT: trimmed, origin: origin)
    }

    public var description: String { "IdentityToken(<redacted>, \(claims))" }

    /// Checks the token against `now`: expired (or not yet valid beyond `leeway`) tokens are rejected.
    public func checkValidity(now: Date, origin: String, leeway: Duration = .seconds(60)) throws(IdentityTokenError) {
        let leewaySeconds = Double(leeway.components.seconds)
        if let exp = claims.expiresAt, exp <= now {
            throw .expired(origin: origin, expiredAt: exp, now: now)
        }
        if let nbf = claims.notBefore, nbf > now.addingTimeInterval(leewaySeconds) {
            throw .notYetValid(origin: origin, notBefore: nbf, now: now)
        }
    }
}

/// Why an identity token could not be used.
public enum IdentityTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty(origin: String)
    case malformed(origin: String, reason: String)
    case expired(origin: String, expiredAt: Date, now: Date)
    case notYetValid(origin: String, notBefore: Date, now: Date)

    public var description: String {
        switch self {
        case .empty(let origin):
            return "the identity token from \(origin) is empty. Is the projected token volume mounted and populated?"
        case .malformed(let origin, let reason):
            return
                "the identity token from \(origin) is not a JWT: \(reason). Check that the file holds the token "
                + "itself, not a path or a JSON wrapper."
        case .expired(let origin, let expiredAt, let now):
            return
                "the identity token from \(origin) expired at \(Timestamp.formatISO8601(expiredAt)) (now "
                + "\(Timestamp.formatISO8601(now))). The kubelet refreshes projected tokens at 80% of their "
                + "lifetime: check that the volume is a projected serviceAccountToken and the node's clock."
        case .notYetValid(let origin, let notBefore, let now):
            return
                "the identity token from \(origin) is not valid before \(Timestamp.formatISO8601(notBefore)) (now "
                + "\(Timestamp.formatISO8601(now))). Check this node's clock."
        }
    }
}
