import FoundationEssentials
import SFCore

/// Workload identity federation: the identity (a JWT, or AWS credentials turned into a signed
/// GetCallerIdentity) exchanged at GCP STS, then — with `serviceAccount` — IAM Credentials
/// `generateAccessToken`.
///
/// AWS credentials are signed by the `AWSSubjectTokenSigner` it is handed (SFAWS's `AWSSubjectToken`, by
/// the composition root): GCP sends the token and never signs, so SFGCP does not import SFAWS.
public struct GCPFederationExchanger: CredentialExchanger {
    public let configuration: GCPTargetConfiguration
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date
    private let awsSubjectToken: any AWSSubjectTokenSigner

    public init(
        configuration: GCPTargetConfiguration,
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date,
        awsSubjectToken: any AWSSubjectTokenSigner
    ) {
        self.configuration = configuration
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
        self.awsSubjectToken = awsSubjectToken
    }

    public var provider: String { "gcp" }
    public var endpointDescription: String { configuration.resolvedSTSEndpoint.url }

    /// The subject token, its type, and until when it is usable.
    public func subjectToken(
        for identity: WorkloadIdentity,
        audience: String,
        date: Date
    )
        -> (token: String, type: String, expiration: Date?)
    {
        switch identity {
        case .token(let token):
            return (token.value, "urn:ietf:params:oauth:token-type:jwt", token.claims.expiresAt)
        case .aws(let credentials, let region):
            let signed = awsSubjectToken.subjectToken(
                credentials: credentials,
                region: region,
                targetResource: audience,
                date: date
            )
            return (
                signed, "urn:ietf:params:aws:token-type:aws4_request",
                date.addingTimeInterval(awsSubjectToken.validity.seconds)
            )
        }
    }

    public func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials {
        let start = now()
        let subject = subjectToken(for: identity, audience: configuration.audience, date: start)
        var context = GCPError.Context(
            audience: configuration.audience,
            serviceAccount: configuration.serviceAccount,
            endpoint: configuration.resolvedSTSEndpoint.url,
            subject: nil,
            issuer: nil,
            tokenAudiences: []
        )
        switch identity {
        case .token(let token):
            context.subject = token.claims.subject
            context.issuer = token.claims.issuer
            context.tokenAudiences = token.claims.audiences
        case .aws(let credentials, _):
            // GCP maps google.subject to the caller's ARN; unknown here for env, container and IMDS credentials.
            context.subject = credentials.assumedRoleARN ?? "ARN_FROM(aws sts get-caller-identity --query Arn)"

        }

        let stsScopes =
            configuration.serviceAccount == nil ? configuration.scopes : [GCPSecurityTokenService.impersonationScope]
        let request = GCPSecurityTokenService.exchangeRequest(
            endpoint: configuration.resolvedSTSEndpoint,
            audience: configuration.audience,
            scopes: stsScopes,
            subjectToken: subject.token,
            subjectTokenType: subject.type
        )
        let stsResponse: HTTPResponse
        do {
            stsResponse = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw GCPError.transport(context, service: "GCP STS", underlying: error)
        }
        let federated = try GCPSecurityTokenService.parseExchange(
            status: stsResponse.status,
            body: stsResponse.body,
            requestStart: start,
            context: context
        )

        guard let impersonation = configuration.impersonationEndpoint else {
            return .gcp(
                GCPAccessToken(
                    token: federated.token,
                    expiration: federated.expiration,
                    scopes: configuration.scopes,
                    subjectToken: subject.token,
                    subjectTokenExpiration: subject.expiration
                )
            )
        }
        context.endpoint = impersonation.url
        let iamRequest = GCPSecurityTokenService.generateAccessTokenRequest(
            endpoint: impersonation,
            federatedToken: federated.token,
            scopes: configuration.scopes,
            lifetimeSeconds: configuration.lifetimeSeconds
        )
        let iamResponse: HTTPResponse
        do {
            iamResponse = try await transport.send(iamRequest, timeout: requestTimeout)
        } catch {
            throw GCPError.transport(context, service: "IAM Credentials", underlying: error)
        }
        let impersonated = try GCPSecurityTokenService.parseGenerateAccessToken(
            status: iamResponse.status,
            body: iamResponse.body,
            context: context
        )
        return .gcp(
            GCPAccessToken(
                token: impersonated.token,
                expiration: impersonated.expiration,
                serviceAccount: configuration.serviceAccount,
                scopes: configuration.scopes,
                subjectToken: subject.token,
                subjectTokenExpiration: subject.expiration,
                federatedToken: federated.token,
                federatedTokenExpiration: federated.expiration
            )
        )
    }
}
