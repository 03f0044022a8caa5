import FoundationEssentials
import SFCore

/// A GCE metadata-server emulation for one GCP target (`GCE_METADATA_HOST`): what Google's client
/// libraries and gcloud read to detect GCE and to fetch (and refresh) access and ID tokens.
///
/// Like the real server it answers only requests with `Metadata-Flavor: Google`, rejects requests
/// carrying `X-Forwarded-For` (a proxied request is an SSRF attempt), and stamps `Metadata-Flavor:
/// Google` on every answer. Pure but for the injected ID-token issuer and its cache. `LocalEndpoints` puts
/// a `LoopbackRequestPolicy` in front (Host, browser and proxy checks).
public struct GCPMetadataEmulator: Sendable {
    public typealias IDTokenIssuer = @Sendable (_ audience: String, _ includeEmail: Bool) async throws -> String

    public let target: String
    public let server: GCPMetadataServerOutputConfiguration
    public let gcp: GCPTargetConfiguration
    public let store: CredentialStore
    public let margin: Duration
    /// Mints ID tokens (IAM Credentials `generateIdToken`); nil without impersonation, where no service account exists.
    public let idTokens: IDTokenIssuer?
    /// Minted ID tokens, per audience and format, until `margin` before their `exp`.
    public let idTokenCache: IDTokenCache

    public init(
        target: String,
        server: GCPMetadataServerOutputConfiguration,
        gcp: GCPTargetConfiguration,
        store: CredentialStore,
        margin: Duration,
        idTokens: IDTokenIssuer?,
        idTokenCache: IDTokenCache = IDTokenCache()
    ) {
        self.target = target
        self.server = server
        self.gcp = gcp
        self.store = store
        self.margin = margin
        self.idTokens = idTokens
        self.idTokenCache = idTokenCache
    }

    static let flavor: (name: String, value: String) = ("Metadata-Flavor", "Google")
    static let base = "/computeMetadata/v1/"

    /// The service account the libraries see: the impersonated one, else the workload identity pool's principal set
    /// (as GKE's metadata server answers for Workload Identity without a service account).
    public var email: String {
        if let account = gcp.serviceAccount { return account }
        if let project = server.projectId { return "\(project).svc.id.goog" }
        return "default"
    }

    /// The project number: configured, else the one in the workload identity provider's name.
    public var numericProjectID: String? {
        if let number = server.numericProjectId { return number }
        let parts = gcp.audience.split(separator: "/")
        guard let index = parts.firstIndex(of: "projects"), index + 1 < parts.count,
            parts[index + 1].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return String(parts[index + 1])
    }

    public func respond(to request: LocalRequest, now: Date) async -> LocalResponse {
        if request.header("x-forwarded-for") != nil {
            return text(
                403,
                "Request had an X-Forwarded-For header and was rejected: the metadata server answers only direct "
                    + "requests from this pod.\n"
            )
        }
        if request.path == "/" {
            return text(200, "computeMetadata/\n")
        }
        guard request.header("metadata-flavor") == Self.flavor.value else {
            return text(
                403,
                "Missing required header \"Metadata-Flavor: Google\" (every metadata request must carry it).\n"
            )
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return text(405, "Only GET is served.\n")
        }
        let parameters = request.queryParameters
        let recursive = parameters["recursive"]?.lowercased() == "true"
        switch request.path {
        case "/computeMetadata/", "/computeMetadata":
            return text(200, "v1/\n")
        case "/computeMetadata/v1/", "/computeMetadata/v1":
            return text(200, "instance/\nproject/\nuniverse/\n")
        case Self.base + "project/project-id":
            return server.projectId.map { text(200, $0) } ?? notFound(request)
        case Self.base + "project/numeric-project-id":
            return numericProjectID.map { text(200, $0) } ?? notFound(request)
        case Self.base + "universe/universe-domain":
            return text(200, "googleapis.com")
        case Self.base + "instance/service-accounts/", Self.base + "instance/service-accounts":
            if recursive {
                return json(
                    200,
                    "{" + accountNames.map { JSONText.string($0) + ":" + accountInfo }.joined(separator: ",") + "}"
                )
            }
            return text(200, accountNames.map { $0 + "/\n" }.joined())
        default:
            break
        }
        let accountsPrefix = Self.base + "instance/service-accounts/"
        guard request.path.hasPrefix(accountsPrefix) else { return notFound(request) }
        let rest = request.path.dropFirst(accountsPrefix.count).split(
            separator: "/",
            maxSplits: 1,
            omittingEmptySubsequences: false
        )
        guard accountNames.contains(String(rest[0])) else { return notFound(request) }
        let leaf = rest.count > 1 ? String(rest[1]) : ""
        switch leaf {
        case "":
            return recursive ? json(200, accountInfo) : text(200, "aliases\nemail\nidentity\nscopes\ntoken\n")
        case "email":
            return text(200, email)
        case "aliases":
            return text(200, "default\n")
        case "scopes":
            return text(200, gcp.scopes.map { $0 + "\n" }.joined())
        case "token":
            guard case .gcp(let token)? = store.validCredentials(target, now: now, margin: margin) else {
                let why =
                    store.state(target)?.credentials == nil
                    ? "no access token yet" : "the last access token expired and the refresh has not succeeded yet"
                return text(503, "target \(target): \(why); the agent keeps retrying (see its log and /readyz).\n")
            }
            let expiresIn = max(0, Int(token.expiration.timeIntervalSince(now).rounded(.down)))
            return json(
                200,
                "{\"access_token\":\(JSONText.string(token.token)),\"expires_in\":\(expiresIn),\"token_type\":\"Bear"
                    + "er\"}"
            )
        case "identity":
            guard let audience = parameters["audience"], !audience.isEmpty else {
                return text(400, "non-empty audience parameter required\n")
            }
            guard let idTokens else {
                return text(
                    404,
                    "ID tokens need a service account: target \(target) uses workload identity federation without "
                        + "impersonation, and federated principals cannot mint ID tokens. Set "
                        + "targets[].gcp.serviceAccount to impersonate one.\n"
                )
            }
            // `licenses` is not passed on (IAM's generateIdToken has no such option), so it does not key the cache.
            let key = IDTokenCache.Key(audience: audience, includeEmail: parameters["format"] == "full")
            if let cached = idTokenCache.token(for: key, now: now, margin: margin) {
                return text(200, cached)
            }
            do {
                let token = try await idTokens(audience, key.includeEmail)
                idTokenCache.insert(token, for: key, now: now)
                return text(200, token)
            } catch {
                return text(503, "generating an ID token for audience \(audience) failed: \(error)\n")
            }
        default:
            return notFound(request)
        }
    }

    var accountNames: [String] { email == "default" ? ["default"] : ["default", email] }

    var accountInfo: String {
        "{\"aliases\":[\"default\"],\"email\":\(JSONText.string(email)),\"scopes\":"
            + "[\(gcp.scopes.map(JSONText.string).joined(separator: ","))]}"
    }

    func text(_ status: Int, _ body: String) -> LocalResponse {
        LocalResponse(status: status, headers: [("Content-Type", "application/text"), Self.flavor], body: body)
    }

    func json(_ status: Int, _ body: String) -> LocalResponse {
        LocalResponse(status: status, headers: [("Content-Type", "application/json"), Self.flavor], body: body)
    }

    func notFound(_ request: LocalRequest) -> LocalResponse {
        text(404, "\(request.path) is not served by this metadata emulation.\n")
    }
}
