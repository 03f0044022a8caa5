import FoundationEssentials

/// What a target's exchange produced. Outputs render from this.
public enum IssuedCredentials: Sendable, Equatable, CustomStringConvertible {
    case aws(AWSCredentials)
    case gcp(GCPAccessToken)
    /// One Entra access token per pre-fetched resource, and the assertion they were obtained with.
    case azure(AzureAccessTokens)

    /// When these credentials stop being usable. For Azure, the earliest access token's expiry; with no
    /// pre-fetched resource (`resources: []`), the assertion's. The assertion's own expiry counts only when an
    /// output hands it over (`ExchangeOutcome.expiration(for:)`), so 24-hour tokens are not refreshed hourly.
    public var expiration: Date {
        switch self {
        case .aws(let credentials): return credentials.expiration
        case .gcp(let token): return token.expiration
        case .azure(let azure):
            return azure.tokens.values.map(\.expiration).min() ?? azure.assertionExpiration ?? .distantPast
        }
    }

    public var description: String {
        switch self {
        case .aws(let credentials): return credentials.description
        case .gcp(let token): return token.description
        case .azure(let tokens): return tokens.description
        }
    }
}
