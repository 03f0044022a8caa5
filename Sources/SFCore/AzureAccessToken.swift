import FoundationEssentials

/// An Entra ID access token for one resource. Secret-bearing: `description` never shows the token.
public struct AzureAccessToken: Sendable, Equatable, CustomStringConvertible {
    public var token: String
    public var expiration: Date
    /// The resource (application ID URI) the token is for, without `/.default`.
    public var resource: String
    /// The client id the token was issued to.
    public var clientId: String
    /// The federated assertion the exchange used, and until when it is usable (for `azureFederatedTokenFile`).
    public var assertion: String
    public var assertionExpiration: Date?

    public init(
        token: String,
        expiration: Date,
        resource: String,
        clientId: String,
        assertion: String = "",
        assertionExpiration: Date? = nil
    ) {
        self.token = token
        self.expiration = expiration
        self.resource = resource
        self.clientId = clientId
        self.assertion = assertion
        self.assertionExpiration = assertionExpiration
    }

    public var description: String {
        "AzureAccessToken(<redacted> for \(resource), client \(clientId), expires "
            + "\(Timestamp.formatISO8601(expiration)))"
    }
}
