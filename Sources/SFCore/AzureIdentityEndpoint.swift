/// Where `source.azureManagedIdentity` asks for its token: Azure IMDS (VMs, scale sets, AKS nodes), or the
/// App Service / Functions / Container Apps identity endpoint that the platform announces in `IDENTITY_ENDPOINT`
/// with its secret in `IDENTITY_HEADER`.
///
/// Secret-bearing: `description` never shows the App Service header value.
public enum AzureIdentityEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// An IMDS base URL (`http://169.254.169.254`); the token path is appended.
    case imds(Endpoint)
    /// The full token URL from `IDENTITY_ENDPOINT` and the value for its `X-IDENTITY-HEADER` header.
    case appService(Endpoint, identityHeader: String)

    /// The endpoint asked (base URL for IMDS, token URL for App Service).
    public var endpoint: Endpoint {
        switch self {
        case .imds(let endpoint), .appService(let endpoint, _): return endpoint
        }
    }

    public var description: String {
        switch self {
        case .imds(let endpoint): return "Azure IMDS \(endpoint.authority)"
        case .appService(let endpoint, _): return "App Service identity endpoint \(endpoint.url)"
        }
    }
}
