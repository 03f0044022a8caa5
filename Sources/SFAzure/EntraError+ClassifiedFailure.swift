import SFCore

/// How the refresh loop treats each Entra failure.
///
/// - 5xx, 429, no answer, an unusable answer, and AADSTS90061/50166 (Entra could not fetch the issuer's discovery
///   document or keys: often a hiccup of the issuer's host): `.unavailable`, retried with backoff.
/// - AADSTS70021 and 700211/700212/700213 (no federated credential matches): `.rejected`, except while
///   `mayBePropagating` (a credential created seconds ago is not visible yet): `.unavailable`.
/// - AADSTS700024 (the assertion is outside its valid time range): `.rejected`, and may pass with a re-read one.
/// - Every other answer: `.rejected`. An assertion that cannot be presented: `.source`, or `.rejected` for the
///   wrong audience.
extension EntraError: ClassifiedFailure {
    /// The AADSTS codes of "no federated identity credential matches" (generic, then issuer, audience, subject).
    public static let noMatchCodes: Set<Int> = [70021, 700211, 700212, 700213]
    /// Entra could not fetch the issuer's OpenID configuration or JWKS.
    public static let issuerUnreachableCodes: Set<Int> = [90061, 50166]
    /// The assertion is expired or not yet valid (a stale file, clock skew).
    public static let staleAssertionCode = 700024

    public var kind: FailureKind {
        switch self {
        case .transport, .malformedResponse:
            return .unavailable
        case .assertionAudience:
            return .rejected
        case .assertionUnusable:
            return .source
        case .service(let context, let answer):
            if answer.status >= 500 || answer.status == 429 { return .unavailable }
            guard let code = answer.code else { return .rejected }
            if Self.issuerUnreachableCodes.contains(code) { return .unavailable }
            if Self.noMatchCodes.contains(code), context.mayBePropagating { return .unavailable }
            return .rejected
        }
    }

    /// A stale or clock-skewed assertion: re-read the token and retry once.
    public var mayPassWithFreshToken: Bool { code == Self.staleAssertionCode }

    /// True for the answers a credential still propagating explains.
    public var isNoMatch: Bool { code.map(Self.noMatchCodes.contains) ?? false }

    /// A copy marked as (or not as) possibly propagating.
    public func propagating(_ flag: Bool) -> EntraError {
        guard case .service(var context, let answer) = self else { return self }
        context.mayBePropagating = flag
        return .service(context, answer)
    }
}
