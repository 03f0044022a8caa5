import FoundationEssentials

/// What an identity source hands to an exchanger: the workload's own proof of identity.
public enum WorkloadIdentity: Sendable, Equatable, CustomStringConvertible {
    /// An OIDC JWT (a projected service-account token, a Google ID token).
    case token(IdentityToken)
    /// AWS credentials and the region to sign for (GCP federation builds a signed GetCallerIdentity from them).
    case aws(AWSCredentials, region: String)

    /// When this identity stops being usable, when known.
    public var expiration: Date? {
        switch self {
        case .token(let token): return token.claims.expiresAt
        case .aws(let credentials, _): return credentials.expiration
        }
    }

    public var description: String {
        switch self {
        case .token(let token): return token.description
        case .aws(let credentials, let region): return "\(credentials) in \(region)"
        }
    }
}
