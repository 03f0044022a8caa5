import FoundationEssentials
import SFCore

/// Exchanges an identity token for AWS credentials with one `AssumeRoleWithWebIdentity` call.
public struct AWSWebIdentityExchanger: CredentialExchanger {
    public let configuration: AWSTargetConfiguration
    public let endpoint: Endpoint
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date

    public init(
        configuration: AWSTargetConfiguration,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.endpoint = STSEndpoint.resolve(configuration)
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
    }

    public var provider: String { "aws" }
    public var endpointDescription: String { endpoint.url }

    public func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials {
        guard case .token(let token) = identity else {
            throw UnsupportedIdentityError(provider: "aws", identity: "AWS credentials (use an OIDC token source)")
        }
        return .aws(try await assumeRole(token))
    }

    /// `AssumeRoleWithWebIdentity` with this target's role, for the token.
    public func assumeRole(_ token: IdentityToken) async throws -> AWSCredentials {
        let sessionName = AWSSessionName.resolve(
            configured: configuration.sessionName,
            claims: token.claims,
            now: now()
        )
        let request = AssumeRoleWithWebIdentity.request(
            endpoint: endpoint,
            roleArn: configuration.roleArn,
            sessionName: sessionName,
            token: token,
            durationSeconds: configuration.durationSeconds
        )
        let context = STSError.Context(roleArn: configuration.roleArn, endpoint: endpoint.url, claims: token.claims)
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw STSError.transport(context, underlying: error)
        }
        return try AssumeRoleWithWebIdentity.parse(status: response.status, body: response.body, context: context)
    }
}
