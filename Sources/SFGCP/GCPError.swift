import SFCore

/// A failure of GCP STS or IAM Credentials, with what to check next.
public enum GCPError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    /// What was being attempted: the provider (audience), the service account, the identity's claims.
    public struct Context: Sendable, Equatable {
        public var audience: String
        public var serviceAccount: String?
        public var endpoint: String
        /// The federated subject (`sub` of a JWT, or the assumed-role ARN for AWS), when known.
        public var subject: String?
        public var issuer: String?
        public var tokenAudiences: [String]

        public init(
            audience: String,
            serviceAccount: String?,
            endpoint: String,
            subject: String?,
            issuer: String?,
            tokenAudiences: [String]
        ) {
            self.audience = audience
            self.serviceAccount = serviceAccount
            self.endpoint = endpoint
            self.subject = subject
            self.issuer = issuer
            self.tokenAudiences = tokenAudiences
        }

        /// `principal://…/subject/SUB`: the member to grant roles to.
        public var principal: String { GCPPrincipal.subject(subject ?? "SUBJECT", audience: audience) }
    }

    /// STS answered with an OAuth error (`invalid_grant`, `invalid_request`, `invalid_target`,
    /// `unauthorized_client`…).
    case sts(Context, status: Int, error: String, description: String)
    /// IAM Credentials refused impersonation.
    case iam(Context, status: Int, message: String, reason: String)
    /// An answer that is not the service's: `reason` says what was expected, `underlying` why it did not
    /// decode (a `DecodingError`, rendered by `DecodingFailure`, never quoting the body), when it did not.
    case malformedResponse(Context, service: String, status: Int, reason: String, underlying: (any Error)? = nil)
    case transport(Context, service: String, underlying: HTTPTransportError)

    public var kind: FailureKind {
        switch self {
        case .transport, .malformedResponse: return .unavailable
        case .sts(_, let status, _, _), .iam(_, let status, _, _):
            return status >= 500 || status == 429 ? .unavailable : .rejected
        }
    }

    public var mayPassWithFreshToken: Bool {
        if case .sts(_, _, "invalid_grant", _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .transport(let c, let service, let underlying):
            return
                "\(service) at \(c.endpoint) could not be reached: \(underlying). Check network access and "
                + "HTTPS_PROXY/NO_PROXY."
        case .malformedResponse(let c, let service, let status, let reason, let underlying):
            let why = underlying.map { ": " + DecodingFailure.describe($0) } ?? ""
            return "\(service) at \(c.endpoint) gave an unusable answer (HTTP \(status)): \(reason)\(why)."
        case .sts(let c, let status, let error, let description):
            var text =
                "GCP STS rejected the token exchange for \(c.audience) (\(error), HTTP \(status)): "
                + "\(sentence(description.isEmpty ? "no description" : description))"
            if let hint = stsHint(error: error, description: description, c) { text += " " + hint }
            return text
        case .iam(let c, let status, let message, let reason):
            var text =
                "IAM Credentials refused generateAccessToken for \(c.serviceAccount ?? "?") (\(reason), HTTP "
                + "\(status)): \(sentence(message))"
            if let remedy { text += " " + remedy }
            return text
        }
    }

    /// What to change (or check) so the exchange passes; the text after the service's own message, and `skyferry
    /// doctor`'s fix.
    public var remedy: String? {
        switch self {
        case .transport: return "Check network access and HTTPS_PROXY/NO_PROXY."
        case .malformedResponse(let c, _, _, _, _):
            return "Check that the endpoint \(c.endpoint) is Google's (gcp.stsEndpoint, gcp.iamEndpoint)."
        case .sts(let c, _, let error, let description): return stsHint(error: error, description: description, c)
        case .iam(let c, let status, _, _):
            switch status {
            case 403:
                return
                    "Grant the federated identity roles/iam.workloadIdentityUser on the service account: gcloud iam "
                    + "service-accounts add-iam-policy-binding \(c.serviceAccount ?? "SA") "
                    + "--role=roles/iam.workloadIdentityUser --member=\(c.principal)"
            case 404:
                return "Check that the service account \(c.serviceAccount ?? "") exists and its email is spelled right."
            case 400:
                return
                    "Check gcp.lifetimeSeconds (over 3600 needs the "
                    + "constraints/iam.allowServiceAccountCredentialLifetimeExtension org policy) and gcp.scopes."
            default:
                return nil
            }
        }
    }

    /// The likely cause in a few words, for `skyferry doctor`.
    public var cause: String? {
        switch self {
        case .transport(_, let service, _): return "\(service) could not be reached"
        case .malformedResponse(_, let service, _, _, _): return "the endpoint did not answer like \(service)"
        case .iam(_, let status, _, _):
            switch status {
            case 403:
                return
                    "the federated principal may not impersonate the service account (no "
                    + "roles/iam.workloadIdentityUser binding)"
            case 404: return "the service account does not exist"
            case 400: return "the requested lifetime or scopes are not allowed"
            default: return kind == .unavailable ? "IAM Credentials is temporarily unavailable" : nil
            }
        case .sts(_, _, let error, let description):
            let text = description.lowercased()
            switch error {
            case "invalid_request" where text.contains("audience"):
                return "gcp.audience is not a well-formed provider name"
            case "invalid_target": return "the pool or provider does not exist or is disabled"
            case "unauthorized_client": return "the provider's attribute condition rejects this identity"
            case "invalid_grant" where text.contains("audience"):
                return "the token's aud is not among the provider's allowed audiences"
            case "invalid_grant" where text.contains("issuer"):
                return "the token's iss is not the provider's issuer URI"
            case "invalid_grant" where text.contains("expired"): return "the identity token had expired"
            case "invalid_grant" where text.contains("key") || text.contains("signature") || text.contains("jwks"):
                return "the provider cannot verify the token's signature with the issuer's JWKS"
            case "invalid_grant": return "the provider did not accept the subject token"
            default: return kind == .unavailable ? "GCP STS is temporarily unavailable" : nil
            }
        }
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.sts(let c1, let s1, let e1, let d1), .sts(let c2, let s2, let e2, let d2)):
            return c1 == c2 && s1 == s2 && e1 == e2 && d1 == d2
        case (.iam(let c1, let s1, let m1, let r1), .iam(let c2, let s2, let m2, let r2)):
            return c1 == c2 && s1 == s2 && m1 == m2 && r1 == r2
        case (
            .malformedResponse(let c1, let v1, let s1, let r1, let u1),
            .malformedResponse(let c2, let v2, let s2, let r2, let u2)
        ):
            return c1 == c2 && v1 == v2 && s1 == s2 && r1 == r2 && sameFailure(u1, u2)
        case (.transport(let c1, let v1, let u1), .transport(let c2, let v2, let u2)):
            return c1 == c2 && v1 == v2 && u1 == u2
        default:
            return false
        }
    }

    /// The service's own text as a sentence: one final period, never two.
    private func sentence(_ text: String) -> String {
        let trimmed = text.trimmingASCIIWhitespace()
        return trimmed.hasSuffix(".") ? trimmed : trimmed + "."
    }

    private func stsHint(error: String, description: String, _ c: Context) -> String? {
        switch error {
        case "invalid_request" where description.contains("audience"):
            return
                "Check gcp.audience: it is the full provider name with the project NUMBER, "
                + "//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER."
        case "invalid_target":
            return
                "The pool or provider in gcp.audience is disabled, deleted or misspelt: gcloud iam "
                + "workload-identity-pools providers describe …"
        case "unauthorized_client":
            return
                "The provider's attribute condition rejected this identity (sub=\(c.subject ?? "?"), "
                + "iss=\(c.issuer ?? "?")): compare it with the condition (gcloud iam workload-identity-pools "
                + "providers describe … --format='value(attributeCondition)')."
        case "invalid_grant":
            let audiences =
                c.tokenAudiences.isEmpty
                ? ""
                : " The token's aud is \(c.tokenAudiences.joined(separator: ",")): the provider's allowed audiences "
                    + "must include it (or, with none configured, the token's aud must be "
                    + "https:\(c.audience.hasPrefix("https:") ? String(c.audience.dropFirst(6)) : c.audience))."
            return
                "The provider did not accept the subject token: check its issuer URI (\(c.issuer ?? "?")) and that "
                + "the issuer's JWKS is reachable, and the token's lifetime.\(audiences)"
        default:
            return kind == .unavailable ? "This is transient; retrying with backoff." : nil
        }
    }
}
