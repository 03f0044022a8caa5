import FoundationEssentials
import SFCore

/// The App Service managed-identity contract for one Azure target (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`): what
/// azure-identity, MSAL and `az login --identity` ask for tokens, and ask again before they expire.
///
/// `GET /msi/token?api-version=2019-08-01&resource=R[&client_id=C]` with `X-IDENTITY-HEADER: SECRET` answers
/// `{access_token, expires_on, expires_in, not_before, resource, token_type, client_id}`: the union of the App
/// Service and IMDS shapes, numbers as strings as both send them, so every MSAL reads it. With `imdsPath: true` also
/// `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R` with `Metadata: true` and no secret, as
/// IMDS clients send it (`AZURE_POD_IDENTITY_AUTHORITY_HOST`): weaker, any process that reaches the port may ask.
///
/// Clients retry 404, 410, 429 and 5xx for a minute or more, so what retrying cannot fix answers 400: a missing
/// `resource` or `api-version`, another identity, a resource Entra refuses. A missing secret is 401, a wrong one
/// 403, no token to be had for now 503. Errors on `/msi/token` are App Service's `{statusCode, message}` (what MSAL
/// shows of them), on the IMDS path IMDS's `{error, error_description}`. No answer carries the secret.
///
/// Pure but for the token provider, which may exchange on demand. `LocalEndpoints` puts a `LoopbackRequestPolicy`
/// in front (Host, browser and proxy checks).
public struct AzureManagedIdentityEndpoint: Sendable {
    /// The api-version App Service clients send (MSAL Python, Go, .NET, JS, Java; azure-identity through MSAL).
    public static let appServiceAPIVersion = "2019-08-01"
    /// The oldest IMDS api-version with this response shape; IMDS clients send 2018-02-01.
    public static let oldestIMDSAPIVersion = "2018-02-01"
    /// Parameters that select a user-assigned identity by something other than its client id: this endpoint
    /// serves one identity and knows only its client id, so any of them is refused.
    static let otherSelectors = ["object_id", "principal_id", "mi_res_id", "msi_res_id"]

    public let target: String
    public let imdsPath: Bool
    public let tokens: any AzureTokenProvider
    /// Compares the presented `X-IDENTITY-HEADER` with the secret in constant time.
    let secretMatches: @Sendable (String) -> Bool

    public init(
        target: String,
        imdsPath: Bool,
        tokens: any AzureTokenProvider,
        secretMatches: @escaping @Sendable (String) -> Bool
    ) {
        self.target = target
        self.imdsPath = imdsPath
        self.tokens = tokens
        self.secretMatches = secretMatches
    }

    /// Which contract a request came in by: it decides the error shape and what authenticates the request.
    enum Contract {
        case appService
        case imds
    }

    public func respond(to request: LocalRequest, now: Date) async -> LocalResponse {
        let contract: Contract
        switch request.path {
        case AzureManagedIdentityEndpointOutputConfiguration.path:
            contract = .appService
        case AzureManagedIdentityEndpointOutputConfiguration.imdsPath:
            guard imdsPath else {
                return Self.error(
                    .imds,
                    400,
                    "invalid_request",
                    "the IMDS path is not served for target \(target) (imdsPath is off); use IDENTITY_ENDPOINT="
                        + "http://HOST:PORT\(AzureManagedIdentityEndpointOutputConfiguration.path) with "
                        + "IDENTITY_HEADER instead of AZURE_POD_IDENTITY_AUTHORITY_HOST"
                )
            }
            contract = .imds
        default:
            return Self.error(
                .appService,
                404,
                "not_found",
                "\(request.path) is not served here; the token path is "
                    + AzureManagedIdentityEndpointOutputConfiguration.path
            )
        }
        guard request.method == "GET" else {
            return Self.error(contract, 405, "invalid_request", "only GET is served")
        }
        if let refusal = authenticate(request, contract) { return refusal }
        let parameters = request.queryParameters
        if let refusal = checkParameters(parameters, contract) { return refusal }
        let resource = Self.bare(parameters["resource"] ?? "")
        do {
            let token = try await tokens.accessToken(for: resource)
            return .json(200, Self.render(token, resource: resource, now: now))
        } catch {
            let kind = failureKind(of: error)
            if kind == .rejected {
                return Self.error(
                    contract,
                    400,
                    "invalid_resource",
                    "Entra ID refused a token for resource \(resource) (target \(target)): \(error)"
                )
            }
            return Self.error(
                contract,
                503,
                "service_unavailable",
                "target \(target): no token for resource \(resource) for now: \(error); the agent keeps "
                    + "retrying (see its log and /readyz)"
            )
        }
    }

    /// The secret on `/msi/token`, `Metadata: true` on the IMDS path; nil when the request may proceed.
    func authenticate(_ request: LocalRequest, _ contract: Contract) -> LocalResponse? {
        switch contract {
        case .appService:
            guard let presented = request.header("x-identity-header"), !presented.isEmpty else {
                return Self.error(
                    contract,
                    401,
                    "unauthorized",
                    "the X-IDENTITY-HEADER header is missing; set IDENTITY_HEADER to the agent's secret"
                )
            }
            guard secretMatches(presented) else {
                return Self.error(
                    contract,
                    403,
                    "forbidden",
                    "the X-IDENTITY-HEADER header does not match the agent's secret; IDENTITY_HEADER must hold "
                        + "the agent's current secret"
                )
            }
        case .imds:
            guard request.header("metadata")?.lowercased() == "true" else {
                return Self.error(contract, 400, "bad_request_102", "Required metadata header not specified")
            }
        }
        return nil
    }

    /// `api-version`, `resource` and the identity selectors; nil when they are acceptable.
    func checkParameters(_ parameters: [String: String], _ contract: Contract) -> LocalResponse? {
        guard let version = parameters["api-version"], !version.isEmpty else {
            return Self.error(
                contract,
                400,
                "invalid_request",
                "api-version was not specified in the request; send \(supportedVersions(contract))"
            )
        }
        let supported: Bool
        switch contract {
        case .appService: supported = version == Self.appServiceAPIVersion
        case .imds: supported = Self.isDate(version) && version >= Self.oldestIMDSAPIVersion
        }
        guard supported else {
            return Self.error(
                contract,
                400,
                "invalid_request",
                "api-version \(version) is not supported here; send \(supportedVersions(contract))"
            )
        }
        guard let resource = parameters["resource"], !resource.isEmpty else {
            return Self.error(
                contract,
                400,
                "invalid_request",
                "the resource parameter is required (an application ID URI such as https://vault.azure.net)"
            )
        }
        if let clientID = parameters["client_id"], clientID.lowercased() != tokens.clientId.lowercased() {
            return Self.error(
                contract,
                400,
                "invalid_request",
                "client_id \(clientID) is not the identity of target \(target) (\(tokens.clientId)); this endpoint "
                    + "serves that one identity: omit client_id or send that one"
            )
        }
        if let selector = Self.otherSelectors.first(where: { parameters[$0] != nil }) {
            return Self.error(
                contract,
                400,
                "invalid_request",
                "\(selector) is not accepted: this endpoint serves one identity (target \(target), client id "
                    + "\(tokens.clientId)); omit \(selector) or select it by client_id"
            )
        }
        return nil
    }

    func supportedVersions(_ contract: Contract) -> String {
        switch contract {
        case .appService: return "api-version=\(Self.appServiceAPIVersion)"
        case .imds: return "api-version=\(Self.oldestIMDSAPIVersion) or later"
        }
    }

    /// The resource without a `/.default` suffix (SDKs strip it before asking; a client that does not gets the
    /// same token and cache entry).
    public static func bare(_ resource: String) -> String {
        resource.hasSuffix("/.default") ? String(resource.dropLast("/.default".count)) : resource
    }

    /// `YYYY-MM-DD`, digits only: such versions compare as strings.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [4, 2, 2] && parts.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// The token in the App Service shape plus IMDS's `expires_in` and `not_before`, every number a string.
    /// `not_before` is the time of the answer: the token is valid from then at the latest.
    public static func render(_ token: AzureAccessToken, resource: String, now: Date) -> String {
        let expiresOn = Int(token.expiration.timeIntervalSince1970.rounded(.down))
        let expiresIn = max(0, Int(token.expiration.timeIntervalSince(now).rounded(.down)))
        return JSONText.object([
            ("access_token", token.token), ("expires_on", "\(expiresOn)"), ("expires_in", "\(expiresIn)"),
            ("not_before", "\(Int(now.timeIntervalSince1970.rounded(.down)))"), ("resource", resource),
            ("token_type", "Bearer"), ("client_id", token.clientId),
        ])
    }

    /// An error in the contract's shape: App Service's `{"statusCode","message"}`, IMDS's `{"error",
    /// "error_description"}`.
    static func error(_ contract: Contract, _ status: Int, _ code: String, _ message: String) -> LocalResponse {
        switch contract {
        case .appService:
            return .json(status, "{\"statusCode\":\(status),\"message\":\(JSONText.string(message))}")
        case .imds:
            return .json(status, JSONText.object([("error", code), ("error_description", message)]))
        }
    }

    /// A `LoopbackRequestPolicy` refusal, in the App Service shape (the contract SDKs are pointed at).
    public static func refusal(_ refusal: LoopbackRequestPolicy.Refusal) -> LocalResponse {
        error(.appService, refusal.status, "", refusal.reason)
    }
}
