/// `source.azureManagedIdentity`: an Entra token for `resource` from Azure IMDS (VMs, scale sets, AKS nodes) or
/// from the App Service / Container Apps endpoint when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set.
public struct AzureManagedIdentitySourceConfiguration: Sendable, Equatable {
    /// Azure IMDS (plain HTTP on the link-local address, as on every Azure VM).
    public static let defaultEndpoint = Endpoint(scheme: .http, host: "169.254.169.254")

    /// The application ID URI the token is for (`api://skyferry-aws`): its `aud`.
    public var resource: String
    /// One of several user-assigned identities, by client id, object (principal) id or ARM resource id.
    public var clientId: String?
    public var objectId: String?
    public var resourceId: String?
    /// IMDS base URL; nil means `defaultEndpoint` (or the App Service endpoint from the environment).
    public var endpoint: Endpoint?
    /// How long to wait for IMDS to become ready.
    public var startupWaitSeconds: Int

    public init(
        resource: String,
        clientId: String? = nil,
        objectId: String? = nil,
        resourceId: String? = nil,
        endpoint: Endpoint? = nil,
        startupWaitSeconds: Int = 30
    ) {
        self.resource = resource
        self.clientId = clientId
        self.objectId = objectId
        self.resourceId = resourceId
        self.endpoint = endpoint
        self.startupWaitSeconds = startupWaitSeconds
    }
}
