/// `source.azureWorkloadIdentity`: on AKS with workload identity, the pod's projected service-account token
/// exchanged at Entra ID (client credentials with a federated assertion) for an access token to `resource`: the
/// same Entra token IMDS gives a VM (`iss` `https://sts.windows.net/TENANT/`, `sub` the identity's principal id).
public struct AzureWorkloadIdentitySourceConfiguration: Sendable, Equatable {
    /// The federated token file (`AZURE_FEDERATED_TOKEN_FILE`), re-read on every exchange.
    public var tokenFile: String
    /// The directory (tenant) id (`AZURE_TENANT_ID`).
    public var tenantId: String
    /// The user-assigned identity's or app registration's client id (`AZURE_CLIENT_ID`).
    public var clientId: String
    /// The application ID URI the token is for (`api://skyferry-aws`): its `aud`.
    public var resource: String
    /// Entra's authority (`AZURE_AUTHORITY_HOST`); nil means the public cloud's.
    public var authorityHost: Endpoint?

    public init(tokenFile: String, tenantId: String, clientId: String, resource: String, authorityHost: Endpoint? = nil)
    {
        self.tokenFile = tokenFile
        self.tenantId = tenantId
        self.clientId = clientId
        self.resource = resource
        self.authorityHost = authorityHost
    }

    /// The exchange as an Azure target would make it, for `resource` only.
    public var entra: AzureTargetConfiguration {
        AzureTargetConfiguration(
            tenantId: tenantId,
            clientId: clientId,
            authorityHost: authorityHost,
            resources: [resource]
        )
    }
}
