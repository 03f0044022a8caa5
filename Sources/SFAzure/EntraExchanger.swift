import FoundationEssentials
import SFCore
import Synchronization

/// An Azure target's exchange: the identity turned into a federated assertion (a JWT as is; AWS credentials through
/// `sts:GetWebIdentityToken`), checked, then one client-credentials request per resource at Entra ID.
///
/// With no `resources`, a refresh only fetches and checks the assertion (its `aud`, its `exp`): enough for
/// `azureFederatedTokenFile`, and the managed-identity endpoint asks for each resource on its first request.
/// It never retries; the agent's loop does, with what `EntraError`'s classification says.
public final class EntraExchanger: AzureResourceExchanger {
    public let configuration: AzureTargetConfiguration
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date
    private let awsWebIdentityToken: (any AWSWebIdentityTokenIssuer)?
    private let propagation = Mutex(FederatedCredentialPropagation())

    /// - Parameter awsWebIdentityToken: turns AWS credentials into an assertion (SFAWS's `AWSOutboundWebIdentity`,
    ///   handed in by the composition root); nil refuses an `aws` source.
    public init(
        configuration: AzureTargetConfiguration,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date,
        awsWebIdentityToken: (any AWSWebIdentityTokenIssuer)?
    ) {
        self.configuration = configuration
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
        self.awsWebIdentityToken = awsWebIdentityToken
    }

    public var provider: String { "azure" }
    public var endpointDescription: String { configuration.tokenEndpoint.url }
    public var clientId: String { configuration.clientId }

    /// Every resource of `resources`, in order, with one assertion.
    public func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials {
        let assertion = try await assertion(for: identity)
        var tokens: [String: AzureAccessToken] = [:]
        for resource in configuration.resources.map(AzureResource.init) {
            tokens[resource.identifier] = try await requestToken(resource, assertion: assertion)
        }
        return .azure(
            AzureAccessTokens(
                tokens: tokens,
                assertion: assertion.value,
                assertionExpiration: assertion.claims.expiresAt
            )
        )
    }

    public func exchange(_ identity: WorkloadIdentity, resource: String) async throws -> AzureAccessToken {
        try await requestToken(AzureResource(resource), assertion: try await assertion(for: identity))
    }

    func context(claims: JWTClaims = JWTClaims(), resource: AzureResource? = nil) -> EntraError.Context {
        EntraError.Context(
            tenantId: configuration.tenantId,
            clientId: configuration.clientId,
            endpoint: configuration.tokenEndpoint.url,
            resource: resource?.identifier,
            expectedAudience: configuration.resolvedAudience,
            claims: claims
        )
    }

    /// The assertion for `identity`, checked as Entra will check it: the expected audience, an `exp` in the future.
    public func assertion(for identity: WorkloadIdentity) async throws -> IdentityToken {
        let token: IdentityToken
        switch identity {
        case .token(let jwt):
            token = jwt
        case .aws(let credentials, let region):
            guard let awsWebIdentityToken else {
                throw UnsupportedIdentityError(provider: "azure", identity: "AWS credentials (no token issuer)")
            }
            token = try await awsWebIdentityToken.webIdentityToken(
                credentials: credentials,
                region: region,
                audience: configuration.resolvedAudience
            )
        }
        try Self.check(token.claims, context: context(claims: token.claims), now: now())
        return token
    }

    /// Pure: the checks `assertion(for:)` makes.
    public static func check(_ claims: JWTClaims, context: EntraError.Context, now: Date) throws(EntraError) {
        guard claims.audiences.contains(context.expectedAudience) else { throw .assertionAudience(context) }
        guard let expiry = claims.expiresAt else {
            throw .assertionUnusable(context, reason: "it has no exp claim, which Entra ID requires")
        }
        guard expiry > now else {
            throw .assertionUnusable(context, reason: "it expired at \(Timestamp.formatISO8601(expiry))")
        }
    }

    func requestToken(_ resource: AzureResource, assertion: IdentityToken) async throws -> AzureAccessToken {
        let start = now()
        propagation.withLock { $0.attempting(at: start) }
        let context = context(claims: assertion.claims, resource: resource)
        let request = EntraTokenRequest.request(
            endpoint: configuration.tokenEndpoint,
            clientId: configuration.clientId,
            resource: resource,
            assertion: assertion.value
        )
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw EntraError.transport(context, underlying: error)
        }
        do {
            let parsed = try EntraTokenRequest.parse(
                status: response.status,
                body: response.body,
                requestStart: start,
                context: context
            )
            propagation.withLock { $0.recordSuccess() }
            return AzureAccessToken(
                token: parsed.accessToken,
                expiration: parsed.expiration,
                resource: resource.identifier,
                clientId: configuration.clientId,
                assertion: assertion.value,
                assertionExpiration: assertion.claims.expiresAt
            )
        } catch {
            guard error.isNoMatch else { throw error }
            let retry = propagation.withLock { $0.grantsRetry(at: now()) }
            throw error.propagating(retry)
        }
    }
}
