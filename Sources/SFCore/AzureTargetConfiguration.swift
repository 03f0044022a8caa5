/// `targets[].azure`: Entra ID workload identity federation, the client-credentials grant with a federated
/// assertion (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
public struct AzureTargetConfiguration: Sendable, Equatable {
    /// The directory (tenant): a GUID or a verified domain name.
    public var tenantId: String
    /// The app registration's or user-assigned managed identity's client id (a GUID).
    public var clientId: String
    public var cloud: AzureCloud
    /// Overrides `cloud.authorityHost` (tests, sovereign clouds not listed in `AzureCloud`).
    public var authorityHost: Endpoint?
    /// Application ID URIs fetched at every refresh (`https://storage.azure.com`); others on first request.
    public var resources: [String]
    /// The assertion's audience; nil means `cloud.tokenExchangeAudience`.
    public var audience: String?

    public init(
        tenantId: String,
        clientId: String,
        cloud: AzureCloud = .public,
        authorityHost: Endpoint? = nil,
        resources: [String] = [],
        audience: String? = nil
    ) {
        self.tenantId = tenantId
        self.clientId = clientId
        self.cloud = cloud
        self.authorityHost = authorityHost
        self.resources = resources
        self.audience = audience
    }

    public var resolvedAuthorityHost: Endpoint { authorityHost ?? cloud.authorityHost }
    public var resolvedAudience: String { audience ?? cloud.tokenExchangeAudience }

    /// `{authorityHost}/{tenantId}/oauth2/v2.0/token`.
    public var tokenEndpoint: Endpoint { resolvedAuthorityHost.appendingPath("/\(tenantId)/oauth2/v2.0/token") }
}
