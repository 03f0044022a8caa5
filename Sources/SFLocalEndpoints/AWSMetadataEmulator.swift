import FoundationEssentials
import SFCore

/// The AWS credentials a GCP target was exchanged with, served in EC2 IMDSv2 shape on loopback
/// (`gcpExternalAccountFile.imdsListen`), so Google's libraries and gcloud, whose only AWS source is
/// `environment_id: aws1` (environment variables or IMDS), can sign their own GetCallerIdentity
/// requests with IRSA, EKS Pod Identity or ECS credentials. Pure but for the injected session-token table.
///
/// IMDSv2 only: `PUT /latest/api/token` (with a TTL header) issues a fresh session token, valid for that
/// TTL, that every GET must carry; requests with `X-Forwarded-For` are refused, as the real service
/// refuses them. `LocalEndpoints` puts a `LoopbackRequestPolicy` in front (Host, browser and proxy checks).
public struct AWSMetadataEmulator: Sendable {
    public let target: String
    public let store: CredentialStore
    public let margin: Duration
    /// The session tokens handed out by `PUT /latest/api/token`, each with its TTL.
    public let sessions: IMDSSessionTokens

    public init(target: String, store: CredentialStore, margin: Duration, sessions: IMDSSessionTokens) {
        self.target = target
        self.store = store
        self.margin = margin
        self.sessions = sessions
    }

    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    public func respond(to request: LocalRequest, now: Date) -> LocalResponse {
        if request.header("x-forwarded-for") != nil {
            return .text(403, "Forbidden: requests with X-Forwarded-For are refused\n")
        }
        if request.path == "/latest/api/token" {
            guard request.method == "PUT" else { return .text(405, "use PUT\n") }
            guard let ttl = request.header("x-aws-ec2-metadata-token-ttl-seconds").flatMap({ Int($0) }),
                (1...21_600).contains(ttl)
            else {
                return .text(400, "X-aws-ec2-metadata-token-ttl-seconds (1-21600) is required\n")
            }
            return .text(200, sessions.issue(ttl: ttl, now: now))
        }
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "use GET\n") }
        guard let presented = request.header("x-aws-ec2-metadata-token"), sessions.isValid(presented, now: now) else {
            return .text(401, "IMDSv2 session token missing, expired or not issued here: PUT /latest/api/token first\n")
        }
        guard let state = store.state(target), case .aws(let credentials, let region)? = state.identity,
            store.validCredentials(target, now: now, margin: margin) != nil,
            credentials.expiration.timeIntervalSince(now) > margin.seconds
        else {
            return .text(
                503,
                "target \(target): no valid AWS source credentials yet; the agent keeps retrying (see its log and "
                    + "/readyz)\n"
            )
        }
        let role = Self.roleName(credentials)
        switch request.path {
        case "/latest/meta-data/placement/availability-zone":
            // Google's libraries take the region as the zone less its last letter.
            return .text(200, region + "a")
        case "/latest/meta-data/placement/region":
            return .text(200, region)
        case "/latest/meta-data/iam/security-credentials", Self.credentialsPath:
            return .text(200, role)
        case Self.credentialsPath + role:
            return .json(
                200,
                JSONText.object([
                    ("Code", "Success"), ("LastUpdated", Timestamp.formatISO8601(state.lastSuccess ?? now)),
                    ("Type", "AWS-HMAC"),
                    ("AccessKeyId", credentials.accessKeyID), ("SecretAccessKey", credentials.secretAccessKey),
                    ("Token", credentials.sessionToken),
                    ("Expiration", Timestamp.formatISO8601(credentials.expiration)),
                ])
            )
        default:
            return .text(404, "\(request.path) is not served by this IMDS emulation\n")
        }
    }

    /// The role name: from the assumed-role ARN when known, else a fixed one.
    static func roleName(_ credentials: AWSCredentials) -> String {
        credentials.assumedRoleARN.flatMap(IAMRoleARN.assumedRole)?.roleName ?? "skyferry-source"
    }
}
