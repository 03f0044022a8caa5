import FoundationEssentials
import SFCore
import Synchronization

/// The `aws` source: AWS credentials resolved as the AWS SDKs do — environment variables, then web identity
/// (IRSA), then container credentials (EKS Pod Identity, ECS), then EC2 IMDSv2 — and the region to sign for.
///
/// The environment is a snapshot taken at start-up; files it names (token files) are re-read on every
/// resolution. Credentials are reused until 5 minutes before they expire.
public final class AWSCredentialChain: IdentitySource, Sendable {
    /// Which provider of the chain applies, decided from the environment alone (pure).
    public enum Provider: Sendable, Equatable {
        case environment(accessKeyID: String, secretAccessKey: String, sessionToken: String?)
        case webIdentity(roleArn: String, tokenFile: String, sessionName: String?)
        case container(url: Endpoint, authorizationToken: String?, authorizationTokenFile: String?)
        case instanceMetadata(endpoint: Endpoint)

        public var name: String {
            switch self {
            case .environment: return "environment"
            case .webIdentity: return "web identity"
            case .container: return "container credentials"
            case .instanceMetadata: return "EC2 instance metadata (IMDSv2)"
            }
        }
    }

    /// The first provider the environment configures; nil when IMDS is disabled and nothing else is set.
    public static func provider(environment env: [String: String]) throws(AWSCredentialChainError) -> Provider? {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        /// A variable sent as an HTTP header value: a CR/LF in it would add headers.
        func headerValue(_ name: String) throws(AWSCredentialChainError) -> String? {
            guard let text = value(name) else { return nil }
            if let reason = headerValueProblem(text) { throw .invalidEnvironment(variable: name, reason: reason) }
            return text
        }
        if let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return .environment(accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        }
        if let role = value("AWS_ROLE_ARN"), let file = value("AWS_WEB_IDENTITY_TOKEN_FILE") {
            return .webIdentity(roleArn: role, tokenFile: file, sessionName: value("AWS_ROLE_SESSION_NAME"))
        }
        if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            let endpoint: Endpoint
            do {
                endpoint = try Endpoint(parsing: full, allowMetadataHosts: true)
            } catch {
                throw .invalidEndpoint(variable: "AWS_CONTAINER_CREDENTIALS_FULL_URI", underlying: error)
            }
            return .container(
                url: endpoint,
                authorizationToken: try headerValue("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            )
        }
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return .container(
                url: Endpoint(
                    scheme: .http,
                    host: "169.254.170.2",
                    path: relative.hasPrefix("/") ? relative : "/" + relative
                ),
                authorizationToken: try headerValue("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            )
        }
        if value("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" { return nil }
        return .instanceMetadata(endpoint: try imdsEndpoint(environment: env))
    }

    /// Why `value` cannot be an HTTP header value, without quoting it (it is a credential), or nil.
    static func headerValueProblem(_ value: String) -> String? {
        guard let offset = HTTPHeaderRules.controlCharacterOffset(value) else { return nil }
        return "contains a control character (\(HTTPHeaderRules.controlName(value, at: offset))) at byte \(offset); "
            + "it is sent as the Authorization header, which cannot hold line breaks or control characters "
            + "(the value is not shown; remove the stray line break)"
    }

    static func imdsEndpoint(environment env: [String: String]) throws(AWSCredentialChainError) -> Endpoint {
        guard let text = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !text.isEmpty else {
            return Endpoint(scheme: .http, host: "169.254.169.254")
        }
        do {
            return try Endpoint(parsing: text, allowMetadataHosts: true)
        } catch {
            throw .invalidEndpoint(variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT", underlying: error)
        }
    }

    private let configuration: AWSSourceConfiguration
    private let environment: [String: String]
    private let transport: any HTTPTransport
    private let requestTimeout: Duration
    private let now: @Sendable () -> Date
    private let readFile: @Sendable (String) throws -> [UInt8]
    private let cache = Mutex<(credentials: AWSCredentials, region: String)?>(nil)

    public init(
        configuration: AWSSourceConfiguration,
        environment: [String: String],
        transport: any HTTPTransport,
        requestTimeout: Duration,
        now: @escaping @Sendable () -> Date,
        readFile: @escaping @Sendable (String) throws -> [UInt8]
    ) {
        self.configuration = configuration
        self.environment = environment
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.now = now
        self.readFile = readFile
    }

    public var origin: String {
        let provider = (try? Self.provider(environment: environment))??.name ?? "none"
        return "AWS credential chain (\(provider))"
    }

    public func fetchIdentity() async throws -> WorkloadIdentity {
        if let cached = cache.withLock({ $0 }), cached.credentials.expiration.timeIntervalSince(now()) > 300 {
            return .aws(cached.credentials, region: cached.region)
        }
        guard let provider = try Self.provider(environment: environment) else {
            throw AWSCredentialChainError.noCredentials
        }
        let region = try await resolveRegion()
        let credentials: AWSCredentials
        switch provider {
        case .environment(let key, let secret, let token):
            // Static keys do not expire; an hour keeps the refresh loop's arithmetic ordinary.
            credentials = AWSCredentials(
                accessKeyID: key,
                secretAccessKey: secret,
                sessionToken: token ?? "",
                expiration: now().addingTimeInterval(3600)
            )
        case .webIdentity(let roleArn, let tokenFile, let sessionName):
            credentials = try await assumeRoleWithWebIdentity(
                roleArn: roleArn,
                tokenFile: tokenFile,
                sessionName: sessionName,
                region: region
            )
        case .container(let url, let token, let tokenFile):
            credentials = try await containerCredentials(url: url, token: token, tokenFile: tokenFile)
        case .instanceMetadata(let endpoint):
            let imds = IMDSClient(endpoint: endpoint, transport: transport, timeout: requestTimeout)
            credentials = try await imds.credentials()
        }
        cache.withLock { $0 = (credentials, region) }
        return .aws(credentials, region: region)
    }

    /// The configured region, else the environment's, else EC2 instance metadata's; `noRegion` keeps why not.
    private func resolveRegion() async throws -> String {
        if let region = configuration.region { return region }
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = environment[name], !region.isEmpty { return region }
        }
        guard (environment["AWS_EC2_METADATA_DISABLED"] ?? "").lowercased() != "true" else {
            throw AWSCredentialChainError.noRegion(underlying: nil)
        }
        do {
            let endpoint = try Self.imdsEndpoint(environment: environment)
            return try await IMDSClient(endpoint: endpoint, transport: transport, timeout: requestTimeout).region()
        } catch {
            throw AWSCredentialChainError.noRegion(underlying: error)
        }
    }

    private func assumeRoleWithWebIdentity(
        roleArn: String,
        tokenFile: String,
        sessionName: String?,
        region: String
    ) async throws -> AWSCredentials {
        let bytes: [UInt8]
        do {
            bytes = try readFile(tokenFile)
        } catch {
            throw AWSCredentialChainError.unreadable(
                variable: "AWS_WEB_IDENTITY_TOKEN_FILE",
                path: tokenFile,
                underlying: error
            )
        }
        let token = try IdentityToken(
            decoding: String(decoding: bytes, as: UTF8.self),
            origin: "AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile)"
        )
        // AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, as the SDKs honour them (tests point these at local peers).
        var override: Endpoint?
        for name in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let text = environment[name], !text.isEmpty {
                do { override = try Endpoint(parsing: text) } catch {
                    throw AWSCredentialChainError.invalidEndpoint(variable: name, underlying: error)
                }
                break
            }
        }
        let exchanger = AWSWebIdentityExchanger(
            configuration: AWSTargetConfiguration(
                roleArn: roleArn,
                region: region,
                sessionName: sessionName,
                stsEndpoint: override
            ),
            transport: transport,
            requestTimeout: requestTimeout,
            now: now
        )
        return try await exchanger.assumeRole(token)
    }

    struct ContainerResponse: Decodable {
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var Token: String?
        var Expiration: String?
    }

    private func containerCredentials(url: Endpoint, token: String?, tokenFile: String?) async throws -> AWSCredentials
    {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        var origin: String?
        if let tokenFile {
            // Re-read on every fetch: EKS Pod Identity rotates it.
            let bytes: [UInt8]
            do {
                bytes = try readFile(tokenFile)
            } catch {
                throw AWSCredentialChainError.unreadable(
                    variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    path: tokenFile,
                    underlying: error
                )
            }
            // Surrounding whitespace (the usual trailing newline) is trimmed; anything inside is refused.
            let value = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
            if let reason = Self.headerValueProblem(value) {
                throw AWSCredentialChainError.invalidFile(
                    variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    path: tokenFile,
                    reason: reason
                )
            }
            headers.append(("Authorization", value))
            origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile)"
        } else if let token {
            headers.append(("Authorization", token))
            origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
        }
        var request = HTTPRequest(method: "GET", endpoint: url, headers: headers)
        if let origin { request.headerOrigins["authorization"] = origin }
        let response = try await transport.send(request, timeout: requestTimeout)
        guard response.status == 200 else {
            throw AWSCredentialChainError.providerFailed(
                provider: "container credentials",
                detail: "\(url.url) answered HTTP \(response.status)"
            )
        }
        return try Self.decodeCredentials(response.body, provider: "container credentials")
    }

    /// Decodes the credentials document that container endpoints and IMDS's `security-credentials/ROLE`
    /// both answer with (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`); public for the fuzz target.
    public static func decodeCredentials(
        _ body: [UInt8],
        provider: String
    ) throws(AWSCredentialChainError)
        -> AWSCredentials
    {
        let parsed: ContainerResponse
        do {
            parsed = try JSONDecoder().decode(ContainerResponse.self, from: Data(body))
        } catch {
            throw .undecodable(provider: provider, underlying: error)
        }
        guard let key = parsed.AccessKeyId, let secret = parsed.SecretAccessKey, !key.isEmpty, !secret.isEmpty,
            let expirationText = parsed.Expiration, let expiration = Timestamp.parseISO8601(expirationText)
        else {
            throw .providerFailed(
                provider: provider,
                detail: "the response lacks AccessKeyId, SecretAccessKey or a valid Expiration"
            )
        }
        return AWSCredentials(
            accessKeyID: key,
            secretAccessKey: secret,
            sessionToken: parsed.Token ?? "",
            expiration: expiration
        )
    }
}

/// Why the AWS credential chain produced nothing.
public enum AWSCredentialChainError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    case noCredentials
    /// No region is configured, and EC2 instance metadata gave none: `underlying` is why (nil when
    /// `AWS_EC2_METADATA_DISABLED` kept it from being asked).
    case noRegion(underlying: (any Error)?)
    case invalidEnvironment(variable: String, reason: String)
    /// A variable that names an endpoint does not hold a usable URL (`underlying` is the `EndpointError`).
    case invalidEndpoint(variable: String, underlying: any Error)
    case unreadable(variable: String, path: String, underlying: any Error)
    /// The file was read but its content cannot be used.
    case invalidFile(variable: String, path: String, reason: String)
    case providerFailed(provider: String, detail: String)
    /// The provider's credentials document is not JSON of the expected shape (`underlying` is the `DecodingError`).
    case undecodable(provider: String, underlying: any Error)

    public var kind: FailureKind { .source }

    public var description: String {
        switch self {
        case .noCredentials:
            return
                "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                + "AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE (IRSA), AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod "
                + "Identity), or run on EC2 with a role (AWS_EC2_METADATA_DISABLED is true)"
        case .noRegion(nil):
            return
                "no AWS region to sign GetCallerIdentity for: source.aws.region, AWS_REGION and AWS_DEFAULT_REGION "
                + "are unset, "
                + "and EC2 instance metadata is not asked (AWS_EC2_METADATA_DISABLED is true). Set one of them"
        case .noRegion(let underlying?):
            return
                "no AWS region to sign GetCallerIdentity for: source.aws.region, AWS_REGION and AWS_DEFAULT_REGION "
                + "are unset, "
                + "and EC2 instance metadata did not give one: \(underlying). Set one of them, or check that "
                + "instance metadata "
                + "answers (AWS_EC2_METADATA_SERVICE_ENDPOINT)"
        case .invalidEnvironment(let variable, let reason):
            return "\(variable) is not usable: \(reason)"
        case .invalidEndpoint(let variable, let underlying):
            return "\(variable) is not usable: \(underlying)"
        case .unreadable(let variable, let path, let underlying):
            return "cannot read \(path) (\(variable)): \(underlying)"
        case .invalidFile(let variable, let path, let reason):
            return "the file \(path) (\(variable)) is not usable: \(reason)"
        case .providerFailed(let provider, let detail):
            return "the AWS credential provider \(provider) failed: \(detail)"
        case .undecodable(let provider, let underlying):
            return "the AWS credential provider \(provider) failed: the response is not a credentials document "
                + "(AccessKeyId, SecretAccessKey, Token, Expiration): \(DecodingFailure.describe(underlying))"
        }
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.noCredentials, .noCredentials): return true
        case (.noRegion(let a), .noRegion(let b)): return sameFailure(a, b)
        case (.invalidEnvironment(let v1, let r1), .invalidEnvironment(let v2, let r2)): return v1 == v2 && r1 == r2
        case (.invalidEndpoint(let v1, let e1), .invalidEndpoint(let v2, let e2)):
            return v1 == v2 && sameFailure(e1, e2)
        case (.unreadable(let v1, let p1, let e1), .unreadable(let v2, let p2, let e2)):
            return v1 == v2 && p1 == p2 && sameFailure(e1, e2)
        case (.invalidFile(let v1, let p1, let r1), .invalidFile(let v2, let p2, let r2)):
            return v1 == v2 && p1 == p2 && r1 == r2
        case (.providerFailed(let p1, let d1), .providerFailed(let p2, let d2)): return p1 == p2 && d1 == d2
        case (.undecodable(let p1, let e1), .undecodable(let p2, let e2)): return p1 == p2 && sameFailure(e1, e2)
        default: return false
        }
    }
}
