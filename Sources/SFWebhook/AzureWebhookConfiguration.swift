import SFCore

/// The webhook configuration's `azure`: which Entra ID cloud injected pods federate into.
public struct AzureWebhookConfiguration: Sendable, Equatable {
    /// Sets the default authority host and the projected token's audience.
    public var cloud: AzureCloud
    /// Overrides `cloud.authorityHost` (clouds not listed in `AzureCloud`, tests).
    public var authorityHost: Endpoint?

    public init(cloud: AzureCloud = .public, authorityHost: Endpoint? = nil) {
        self.cloud = cloud
        self.authorityHost = authorityHost
    }

    public var resolvedAuthorityHost: Endpoint { authorityHost ?? cloud.authorityHost }

    /// `AZURE_AUTHORITY_HOST` as azure-identity and MSAL take it: scheme, host, port, without a trailing `/`.
    public var authorityHostURL: String {
        let url = resolvedAuthorityHost.url
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The audience of the projected token: what the federated identity credential expects by default.
    public var tokenAudience: String { cloud.tokenExchangeAudience }
}
