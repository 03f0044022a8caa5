import FoundationEssentials

/// One successful exchange: the credentials, and the identity they were obtained with
/// (outputs such as `awsWebIdentityTokenFile` hand the identity token itself over).
public struct ExchangeOutcome: Sendable, Equatable, CustomStringConvertible {
    public var credentials: IssuedCredentials
    public var identity: WorkloadIdentity

    public init(credentials: IssuedCredentials, identity: WorkloadIdentity) {
        self.credentials = credentials
        self.identity = identity
    }

    /// The identity's JWT, when it is one.
    public var token: IdentityToken? {
        if case .token(let token) = identity { return token }
        return nil
    }

    /// When the outputs stop being valid: the credentials' expiry, or that of anything else they hand over
    /// (the identity token, an agent-kept STS subject token, an Azure federated assertion) if it expires first.
    /// Refreshes are planned from this.
    public func expiration(for outputs: OutputsConfiguration) -> Date {
        var earliest = credentials.expiration
        if outputs.includesIdentityToken, let identityExpiry = identity.expiration {
            earliest = min(earliest, identityExpiry)
        }
        if outputs.gcpExternalAccountFile?.subjectTokenPath != nil, case .gcp(let access) = credentials,
            let subjectExpiry = access.subjectTokenExpiration
        {
            earliest = min(earliest, subjectExpiry)
        }
        if outputs.azureFederatedTokenFile != nil, case .azure(let azure) = credentials,
            let assertionExpiry = azure.assertionExpiration
        {
            earliest = min(earliest, assertionExpiry)
        }
        return earliest
    }

    public var description: String { "ExchangeOutcome(\(credentials), \(identity))" }
}
