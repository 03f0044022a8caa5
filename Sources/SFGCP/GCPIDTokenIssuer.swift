import FoundationEssentials
import SFCore

/// Mints ID tokens for a target's impersonated service account with IAM Credentials `generateIdToken`,
/// authorized by the target's current federated token (what the `gcpMetadataServer` output answers
/// `/computeMetadata/v1/instance/service-accounts/default/identity` with).
///
/// One request per call, no retries and no cache of its own: the metadata emulation caches per audience.
public struct GCPIDTokenIssuer: Sendable {
    public let configuration: GCPTargetConfiguration
    /// The service account impersonated (`gcp.serviceAccount`).
    public let serviceAccount: String
    let transport: any HTTPTransport
    let requestTimeout: Duration

    public init(
        configuration: GCPTargetConfiguration,
        serviceAccount: String,
        transport: any HTTPTransport,
        requestTimeout: Duration
    ) {
        self.configuration = configuration
        self.serviceAccount = serviceAccount
        self.transport = transport
        self.requestTimeout = requestTimeout
    }

    /// A signed ID token (a JWT) for `audience`, with the account's email claims when `includeEmail`.
    public func idToken(audience: String, includeEmail: Bool, federatedToken: String) async throws(GCPError) -> String {
        let request = GCPSecurityTokenService.generateIdTokenRequest(
            iamEndpoint: configuration.resolvedIAMEndpoint,
            serviceAccount: serviceAccount,
            federatedToken: federatedToken,
            audience: audience,
            includeEmail: includeEmail
        )
        let context = GCPError.Context(
            audience: configuration.audience,
            serviceAccount: serviceAccount,
            endpoint: request.endpoint.url,
            subject: nil,
            issuer: nil,
            tokenAudiences: []
        )
        let response: HTTPResponse
        do throws(HTTPTransportError) {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw GCPError.transport(context, service: "IAM Credentials", underlying: error)
        }
        return try GCPSecurityTokenService.parseGenerateIdToken(
            status: response.status,
            body: response.body,
            context: context
        )
    }
}
