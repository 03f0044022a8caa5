import FoundationEssentials
import SFCore

/// The `azureManagedIdentity` source: an Entra access token for an application ID URI (`api://skyferry-aws`) from
/// Azure IMDS (`GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`, header `Metadata: true`)
/// or from the App Service / Container Apps endpoint (`IDENTITY_ENDPOINT`, header `X-IDENTITY-HEADER`).
///
/// The token is a JWT (`iss` `https://sts.windows.net/TENANT/`, `sub` = `oid` = the identity's principal id,
/// `aud` = the resource), so AWS takes it at `AssumeRoleWithWebIdentity` and GCP as a `jwt` subject token.
/// IMDS may not be ready for a VM's first seconds: connection failures, timeouts, 404, 410, 429 and 5xx are
/// `notReady` (`mayPassOnceReady`), and the agent asks again with backoff for up to `startupWait`. One fetch is
/// one request: this source never retries itself.
public struct AzureManagedIdentitySource: IdentityTokenSource {
    public let configuration: AzureManagedIdentitySourceConfiguration
    public let endpoint: AzureIdentityEndpoint
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date

    public init(
        configuration: AzureManagedIdentitySourceConfiguration,
        endpoint: AzureIdentityEndpoint,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.endpoint = endpoint
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
    }

    public var origin: String { "\(endpoint) (resource \(configuration.resource))" }

    public var startupWait: Duration { .seconds(configuration.startupWaitSeconds) }

    /// The token request, pure: IMDS or App Service shape, with the chosen user-assigned identity, if any.
    public static func request(
        endpoint: AzureIdentityEndpoint,
        configuration: AzureManagedIdentitySourceConfiguration
    ) -> HTTPRequest {
        switch endpoint {
        case .imds(let base):
            return HTTPRequest(
                method: "GET",
                endpoint: base.appendingPath(AzureManagedIdentitySourceConfiguration.imdsTokenPath),
                query: configuration.tokenQuery(appService: false),
                headers: [("Metadata", "true")]
            )
        case .appService(let url, let identityHeader):
            var request = HTTPRequest(
                method: "GET",
                endpoint: url,
                query: configuration.tokenQuery(appService: true),
                headers: [("X-IDENTITY-HEADER", identityHeader)]
            )
            request.headerOrigins = ["x-identity-header": "IDENTITY_HEADER"]
            return request
        }
    }

    public func fetchToken() async throws -> IdentityToken {
        let request = Self.request(endpoint: endpoint, configuration: configuration)
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw AzureManagedIdentityError.notReady(
                endpoint: endpoint.description,
                waited: startupWait,
                underlying: error
            )
        }
        let token = try Self.parse(
            status: response.status,
            body: response.body,
            endpoint: endpoint,
            configuration: configuration,
            waited: startupWait
        )
        try token.checkValidity(now: now(), origin: origin)
        return token
    }
}
