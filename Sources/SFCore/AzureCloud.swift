/// `targets[].azure.cloud`: the Entra ID authority a tenant lives in, and the audience its federated identity
/// credentials expect by default (docs: "Configure a user-assigned managed identity to trust an external IdP").
public enum AzureCloud: String, Sendable, CaseIterable, CustomStringConvertible {
    case `public`
    case usgov
    case china

    /// The authority host azure-identity and the Azure CLI use for this cloud.
    public var authorityHost: Endpoint {
        switch self {
        case .public: return Endpoint(scheme: .https, host: "login.microsoftonline.com")
        case .usgov: return Endpoint(scheme: .https, host: "login.microsoftonline.us")
        case .china: return Endpoint(scheme: .https, host: "login.chinacloudapi.cn")
        }
    }

    /// The recommended (and per-cloud) audience of a federated identity credential: the `aud` an assertion
    /// presented to Entra ID must carry.
    public var tokenExchangeAudience: String {
        switch self {
        case .public: return "api://AzureADTokenExchange"
        case .usgov: return "api://AzureADTokenExchangeUSGov"
        case .china: return "api://AzureADTokenExchangeChina"
        }
    }

    /// The configuration value.
    public var description: String { rawValue }
}
