import FoundationEssentials

/// What an Azure target's refresh produced: one access token per pre-fetched resource (`targets[].azure.resources`)
/// and the federated assertion they were exchanged with. Secret-bearing: `description` shows no token.
public struct AzureAccessTokens: Sendable, Equatable, CustomStringConvertible {
    /// By resource identifier (without `/.default`).
    public var tokens: [String: AzureAccessToken]
    /// The federated assertion (for `azureFederatedTokenFile`) and until when it is usable.
    public var assertion: String
    public var assertionExpiration: Date?

    public init(tokens: [String: AzureAccessToken], assertion: String, assertionExpiration: Date?) {
        self.tokens = tokens
        self.assertion = assertion
        self.assertionExpiration = assertionExpiration
    }

    /// The earliest expiry among the tokens and the assertion: when this set must have been refreshed.
    public var expiration: Date {
        let dates = tokens.values.map(\.expiration) + [assertionExpiration].compactMap { $0 }
        return dates.min() ?? .distantPast
    }

    public var description: String {
        let resources = tokens.keys.sorted().joined(separator: ", ")
        return "AzureAccessTokens(<redacted> for [\(resources)], expires \(Timestamp.formatISO8601(expiration)))"
    }
}
