import FoundationEssentials

/// What a target's exchange produced. Outputs render from this.
public enum IssuedCredentials: Sendable, Equatable, CustomStringConvertible {
    case aws(AWSCredentials)
    case gcp(GCPAccessToken)

    public var expiration: Date {
        switch self {
        case .aws(let credentials): return credentials.expiration
        case .gcp(let token): return token.expiration
        }
    }

    public var description: String {
        switch self {
        case .aws(let credentials): return credentials.description
        case .gcp(let token): return token.description
        }
    }
}
