import SFCore

/// An AWS STS failure, with what to check next.
public enum STSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being attempted, for messages: the role, the endpoint and the token's (non-secret) claims.
    public struct Context: Sendable, Equatable {
        /// `AssumeRoleWithWebIdentity`, or `GetWebIdentityToken` (the role is then the caller's, when known).
        public var operation: String = "AssumeRoleWithWebIdentity"
        public var roleArn: String
        public var endpoint: String
        public var issuer: String?
        public var subject: String?
        public var audiences: [String]
        public var authorizedParty: String?

        public init(roleArn: String, endpoint: String, claims: JWTClaims) {
            self.roleArn = roleArn
            self.endpoint = endpoint
            self.issuer = claims.issuer
            self.subject = claims.subject
            self.audiences = claims.audiences
            self.authorizedParty = claims.authorizedParty
        }

        /// `GetWebIdentityToken`'s context: the caller (its role ARN when known) and the regional endpoint.
        public static func getWebIdentityToken(caller: String, endpoint: String) -> Context {
            var context = Context(roleArn: caller, endpoint: endpoint, claims: JWTClaims())
            context.operation = GetWebIdentityToken.action
            return context
        }

        var isOutbound: Bool { operation == GetWebIdentityToken.action }

        /// Google's issuer is built into IAM: no OIDC provider, and its own condition keys.
        var isGoogle: Bool { WebIdentityTrust.isGoogleIssuer(issuer) }

        /// The trust this token needs (placeholders for claims it lacks).
        public var requiredTrust: WebIdentityTrust {
            WebIdentityTrust(
                issuer: issuer ?? "<issuer>",
                subject: subject ?? "<sub>",
                audience: audiences.first ?? "<aud>",
                authorizedParty: authorizedParty
            )
        }
    }

    /// STS answered with an AWS error code.
    case service(Context, status: Int, code: String, message: String, requestID: String?)
    /// STS answered something that is not a usable response: `reason` says what was expected, `underlying`
    /// why it did not parse (an `XMLParseError`), when it did not.
    case malformedResponse(Context, status: Int, reason: String, underlying: (any Error)? = nil)
    /// No response at all.
    case transport(Context, underlying: HTTPTransportError)

    /// Codes AWS SDKs retry (botocore `_retry.json` and standard mode's throttling/transient sets).
    static let retryableCodes: Set<String> = [
        "IDPCommunicationError", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
        "InternalFailure", "InternalError", "ServiceUnavailable",
    ]

    /// The AWS error code, when STS gave one.
    public var code: String? {
        if case .service(_, _, let code, _, _) = self { return code }
        return nil
    }

    public var isRetryable: Bool {
        switch self {
        case .transport, .malformedResponse:
            return true
        case .service(_, let status, let code, let message, _):
            if status >= 500 || status == 429 || Self.retryableCodes.contains(code) { return true }
            // IAM could not fetch the issuer's JWKS: an IdP hiccup, reported under InvalidIdentityToken.
            return message.contains("Couldn't retrieve verification key")
        }
    }

    private var context: Context {
        switch self {
        case .service(let c, _, _, _, _), .malformedResponse(let c, _, _, _), .transport(let c, _): return c
        }
    }

    public var description: String {
        switch self {
        case .transport(let c, let underlying):
            return
                "AWS STS at \(c.endpoint) could not be reached for \(c.operation) on \(c.roleArn): "
                + "\(underlying). Check network access to the endpoint and any HTTPS_PROXY/NO_PROXY settings."
        case .malformedResponse(let c, let status, let reason, let underlying):
            let why = underlying.map { ": \($0)" } ?? ""
            return "AWS STS at \(c.endpoint) gave an unusable answer to \(c.operation) on \(c.roleArn) "
                + "(HTTP \(status)): \(reason)\(why). Check that stsEndpoint points at an STS endpoint."
        case .service(let c, let status, let code, let message, let requestID):
            let request = requestID.map { " [request \($0)]" } ?? ""
            // AWS's message verbatim (users search for it), then the request id.
            var text =
                "AWS STS rejected \(c.operation) for \(c.roleArn) (\(code), HTTP \(status)): "
                + "\(message.isEmpty ? "no message" : message)\(request)"
            if !text.hasSuffix(".") { text += "." }
            if let hint = remedy { text += " " + hint }
            return text
        }
    }

    /// What to change (or check) so the exchange passes; shown after AWS's own message and by `skyferry doctor`.
    public var remedy: String? {
        switch self {
        case .transport(let c, _):
            return "Check network access to \(c.endpoint) and any HTTPS_PROXY/NO_PROXY settings."
        case .malformedResponse:
            return "Check that stsEndpoint points at an STS endpoint."
        case .service(let c, _, let code, let message, _):
            return hint(code: code, message: message, context: c)
        }
    }

    /// The likely cause in a few words, for `skyferry doctor`; nil when STS's own code says it all.
    public var cause: String? {
        switch self {
        case .transport: return "STS could not be reached"
        case .malformedResponse: return "the endpoint did not answer like AWS STS"
        case .service(let c, _, let code, let message, _):
            switch code {
            case "AccessDenied" where c.isOutbound:
                return "the caller's IAM policy does not allow sts:GetWebIdentityToken for this audience"
            case "OutboundWebIdentityFederationDisabledException":
                return "outbound identity federation is not enabled for the AWS account"
            case "SessionDurationEscalationException":
                return "the token would outlive the credentials that asked for it"
            case "AccessDenied": return "the role's trust policy does not allow this token's issuer, sub or aud"
            case "InvalidIdentityToken" where message.contains("Couldn't retrieve verification key"):
                return "IAM could not fetch the issuer's OpenID configuration or JWKS"
            case "InvalidIdentityToken" where c.isGoogle:
                return "the token does not match what the trust policy expects of Google ID tokens"
            case "InvalidIdentityToken" where message.lowercased().contains("audience"):
                return "the token's aud is not a client ID (audience) of the account's IAM OIDC provider"
            case "InvalidIdentityToken":
                return
                    "no IAM OIDC provider in the account matches the token's issuer, or the token is not one it accepts"
            case "ExpiredTokenException": return "the identity token had expired when STS checked it"
            case "IDPRejectedClaim": return "the identity provider rejected a claim of the token"
            case "IDPCommunicationError": return "STS could not reach the identity provider"
            case "RegionDisabledException": return "STS is not activated in this region"
            case "InvalidParameterValue", "ValidationError": return "a request parameter is invalid"
            default: return isRetryable ? "STS is throttling or temporarily unavailable" : nil
            }
        }
    }

    private func hint(code: String, message: String, context c: Context) -> String? {
        let sub = c.subject ?? "<sub>"
        let aud = c.audiences.first ?? "<aud>"
        let trust = c.requiredTrust
        switch code {
        case "AccessDenied" where c.isOutbound:
            return
                "Allow sts:GetWebIdentityToken to \(c.roleArn) in its IAM policy (Action sts:GetWebIdentityToken, "
                + "Resource *; conditions on sts:IdentityTokenAudience must allow the audience Skyferry asks for)."
        case "OutboundWebIdentityFederationDisabledException":
            return
                "Enable it once for the account: aws iam enable-outbound-web-identity-federation (its IssuerIdentifier"
                + " is the issuer the Azure federated identity credential must name)."
        case "SessionDurationEscalationException":
            return "The credentials expire too soon for the token's duration; this passes once they are refreshed."
        case "JWTPayloadSizeExceededException":
            return "The token's claims are too large: remove session or principal tags."
        case "AccessDenied" where c.isGoogle:
            return
                "The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the Federated principal "
                + "\(trust.federatedPrincipal) with conditions \(trust.conditionsSentence) (AWS matches :aud against"
                + " the token's azp)."
        case "InvalidIdentityToken" where c.isGoogle && !message.contains("Couldn't retrieve verification key"):
            return
                "Google ID tokens need no IAM OIDC provider: check that the trust policy's Federated principal is "
                + "accounts.google.com and that source.gcpMetadata.audience is the audience the policy expects "
                + "(\(aud))."
        case "AccessDenied":
            return
                "The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the Federated principal "
                + "\(trust.federatedPrincipal) with conditions \(trust.conditionsSentence)."
        case "InvalidIdentityToken":
            if message.contains("Couldn't retrieve verification key") {
                return
                    "IAM could not fetch the signing keys of \(c.issuer ?? "the issuer"): its "
                    + "/.well-known/openid-configuration and JWKS must be publicly reachable over HTTPS. Retrying."
            }
            return
                "Check that the account has an IAM OIDC identity provider for \(c.issuer ?? "the token's issuer") "
                + "whose audiences include \(aud), and that the token is the one that provider expects."
        case "ExpiredTokenException":
            return
                "The identity token expired before STS saw it: check the node's clock and that the token file is a "
                + "kubelet-refreshed projected token."
        case "IDPRejectedClaim":
            return
                "The identity provider rejected a claim of the token (sub=\(sub), aud=\(aud)); check the provider's "
                + "audiences and the token's audience."
        case "RegionDisabledException":
            return
                "STS is not activated in this region for the account: activate it in IAM account settings, or choose"
                + " another region."
        case "InvalidParameterValue", "ValidationError":
            return
                "Check roleArn, sessionName and durationSeconds (durationSeconds may not exceed the role's maximum "
                + "session duration)."
        default:
            return isRetryable ? "This is transient; retrying with backoff." : nil
        }
    }
}

extension STSError: ClassifiedFailure {
    public var kind: FailureKind { isRetryable ? .unavailable : .rejected }

    /// A token that expired or was rejected may pass once the kubelet has rotated it.
    public var mayPassWithFreshToken: Bool {
        code == "ExpiredTokenException" || code == "InvalidIdentityToken"
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.service(let c1, let s1, let k1, let m1, let r1), .service(let c2, let s2, let k2, let m2, let r2)):
            return c1 == c2 && s1 == s2 && k1 == k2 && m1 == m2 && r1 == r2
        case (.malformedResponse(let c1, let s1, let r1, let u1), .malformedResponse(let c2, let s2, let r2, let u2)):
            return c1 == c2 && s1 == s2 && r1 == r2 && sameFailure(u1, u2)
        case (.transport(let c1, let u1), .transport(let c2, let u2)):
            return c1 == c2 && u1 == u2
        default:
            return false
        }
    }
}
