import FoundationEssentials
import SFCore

/// The AWS SDKs' container-credentials provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), for one
/// listen address: `GET /v1/credentials/TARGET` with the agent's authorization token answers the
/// target's current credentials. SDKs poll it and refresh before `Expiration` by themselves, so a
/// long-running client never holds rotated-out credentials. Pure: the decision is a function of the
/// request, the expected token, the store and the time.
public struct ContainerCredentialsEndpoint: Sendable {
    /// Target name → whether it is served here (AWS targets with this endpoint's address).
    public let targets: Set<String>
    public let store: CredentialStore
    /// Credentials with less validity than this (scaled for short lifetimes) are not handed out.
    public let margin: Duration
    /// Compares the presented token with the expected one in constant time.
    let tokenMatches: @Sendable (String) -> Bool

    public init(
        targets: Set<String>,
        store: CredentialStore,
        margin: Duration,
        tokenMatches: @escaping @Sendable (String) -> Bool
    ) {
        self.targets = targets
        self.store = store
        self.margin = margin
        self.tokenMatches = tokenMatches
    }

    public func respond(to request: LocalRequest, now: Date) -> LocalResponse {
        let prefix = AWSContainerEndpointOutputConfiguration.path(target: "")
        guard request.path.hasPrefix(prefix), case let target = String(request.path.dropFirst(prefix.count)),
            targets.contains(target)
        else {
            return Self.error(
                404,
                "NotFound",
                "no credentials are served at \(request.path); paths: "
                    + "\(targets.sorted().map { prefix + $0 }.joined(separator: ", "))"
            )
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return Self.error(405, "MethodNotAllowed", "use GET")
        }
        guard let presented = request.header("authorization"), !presented.isEmpty else {
            return Self.error(
                401,
                "Unauthorized",
                "the Authorization header is missing; set AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE to the agent's "
                    + "authTokenFile"
            )
        }
        guard tokenMatches(presented) else {
            return Self.error(
                403,
                "Forbidden",
                "the Authorization header does not match the agent's token; AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
                    + "must name the agent's current authTokenFile"
            )
        }
        guard case .aws(let credentials)? = store.validCredentials(target, now: now, margin: margin) else {
            let why =
                store.state(target)?.credentials == nil
                ? "no credentials yet" : "the last credentials expired and the refresh has not succeeded yet"
            return Self.error(
                503,
                "CredentialsUnavailable",
                "target \(target): \(why); the agent keeps retrying (see its log and /readyz)"
            )
        }
        return .json(200, Self.render(credentials))
    }

    /// `{"AccessKeyId","SecretAccessKey","Token","Expiration"[,"AccountId"]}`, as botocore, the Go, JS,
    /// Java and Rust SDKs read it.
    public static func render(_ credentials: AWSCredentials) -> String {
        var fields = [
            ("AccessKeyId", credentials.accessKeyID), ("SecretAccessKey", credentials.secretAccessKey),
            ("Token", credentials.sessionToken), ("Expiration", Timestamp.formatISO8601(credentials.expiration)),
        ]
        if let account = credentials.accountID { fields.append(("AccountId", account)) }
        return JSONText.object(fields)
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> LocalResponse {
        .json(status, JSONText.object([("code", code), ("message", message)]))
    }
}
