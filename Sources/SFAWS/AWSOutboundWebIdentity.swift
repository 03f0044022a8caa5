import FoundationEssentials
import SFCore

/// SFCore's `AWSWebIdentityTokenIssuer` for the composition root: a SigV4-signed `GetWebIdentityToken` at the
/// regional STS endpoint, the token decoded to check it is a JWT.
///
/// `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`) in `environment` overrides the endpoint, as the AWS SDKs and the
/// `aws` source's web identity honour it (tests point it at a local peer); HTTPS, or plain HTTP to loopback. An
/// invalid value fails each request, naming the variable.
public struct AWSOutboundWebIdentity: AWSWebIdentityTokenIssuer {
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date
    private let environment: [String: String]

    public init(
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date,
        environment: [String: String]
    ) {
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
        self.environment = environment
    }

    /// `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, as the AWS SDKs and the `aws` source's web identity read
    /// them; nil when neither is set.
    public static func endpointOverride(environment: [String: String]) throws(AWSCredentialChainError) -> Endpoint? {
        for name in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let text = environment[name], !text.isEmpty {
                do { return try Endpoint(parsing: text) } catch {
                    throw AWSCredentialChainError.invalidEndpoint(variable: name, underlying: error)
                }
            }
        }
        return nil
    }

    public func webIdentityToken(
        credentials: AWSCredentials,
        region: String,
        audience: String
    ) async throws -> IdentityToken {
        let target =
            try Self.endpointOverride(environment: environment) ?? GetWebIdentityToken.regionalEndpoint(region: region)
        let date = now()
        let unsigned = GetWebIdentityToken.request(
            endpoint: target,
            audience: audience,
            durationSeconds: GetWebIdentityToken.duration(credentialsExpiration: credentials.expiration, now: date)
        )
        let request = SigV4Signer(credentials: credentials, region: region, service: "sts").sign(unsigned, date: date)
        let context = STSError.Context.getWebIdentityToken(
            caller: credentials.assumedRoleARN ?? "the AWS credentials",
            endpoint: target.url
        )
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: requestTimeout)
        } catch {
            throw STSError.transport(context, underlying: error)
        }
        let parsed = try GetWebIdentityToken.parse(status: response.status, body: response.body, context: context)
        return try IdentityToken(decoding: parsed.token, origin: "AWS STS GetWebIdentityToken at \(target.url)")
    }
}
