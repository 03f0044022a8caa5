import SFCore

/// The cause and the fix of each failure, by AADSTS code: shown after Entra's own words, and by `skyferry doctor`.
extension EntraError {
    /// What to change (or check) so the exchange passes.
    public var remedy: String? {
        let c = context
        switch self {
        case .transport:
            return "Check network access to \(c.endpoint) and any HTTPS_PROXY/NO_PROXY settings."
        case .malformedResponse:
            return "Check that authorityHost points at an Entra ID authority (https://login.microsoftonline.com)."
        case .assertionAudience:
            return "Issue the assertion for \(c.expectedAudience) (a projected token's audience, "
                + "source.gcpMetadata.audience), or, when the federated identity credential's audience is "
                + "\(c.audiences.first ?? "the token's"), set targets[].azure.audience to it."
        case .assertionUnusable:
            return "Check the identity source (a kubelet-projected token file, the metadata server) and this node's "
                + "clock."
        case .service(_, let answer):
            return Self.hint(code: answer.code, status: answer.status, context: c)
        }
    }

    /// The likely cause in a few words, for `skyferry doctor`.
    public var cause: String? {
        switch self {
        case .transport: return "Entra ID could not be reached"
        case .malformedResponse: return "the endpoint did not answer like Entra ID"
        case .assertionAudience: return "the assertion's aud is not the federated credential's audience"
        case .assertionUnusable: return "the identity source gave an assertion Entra ID cannot accept"
        case .service(_, let answer):
            switch answer.code {
            case 70021: return "no federated identity credential matches the assertion's issuer, subject and audience"
            case 700211: return "no federated identity credential has the assertion's issuer"
            case 700212: return "no federated identity credential has the assertion's audience"
            case 700213: return "no federated identity credential has the assertion's subject"
            case 700024: return "the assertion is expired or not yet valid (a stale token, or clock skew)"
            case 90061, 50166: return "Entra ID could not fetch the issuer's OpenID configuration or keys"
            case 700222: return "a federated identity credential names an Entra ID issuer"
            case 700027: return "the assertion's signature does not verify with the issuer's keys"
            case 700016: return "the client id is not an application in this tenant"
            case 90002: return "the tenant does not exist in this cloud"
            case 500011, 70011: return "the resource is not an API the tenant knows"
            case 53003: return "Conditional Access blocked the request"
            default: return answer.status >= 500 || answer.status == 429 ? "Entra ID is busy or unavailable" : nil
            }
        }
    }

    /// The `az` commands that create a federated identity credential matching this assertion exactly.
    static func createCommands(_ c: Context) -> String {
        let issuer = c.issuer ?? "ISSUER"
        let subject = c.subject ?? "SUBJECT"
        let audience = c.audiences.first ?? c.expectedAudience
        let parameters =
            "{\"name\":\"skyferry\",\"issuer\":\(JSONText.string(issuer)),\"subject\":\(JSONText.string(subject)),"
            + "\"audiences\":[\(JSONText.string(audience))]}"
        return "az identity federated-credential create --name skyferry --identity-name IDENTITY --resource-group "
            + "GROUP --issuer '\(issuer)' --subject '\(subject)' --audiences '\(audience)' (a user-assigned managed "
            + "identity), or az ad app federated-credential create --id \(c.clientId) --parameters "
            + "'\(parameters)' (an app registration)"
    }

    static func hint(code: Int?, status: Int, context c: Context) -> String? {
        let propagating =
            c.mayBePropagating
            ? " A credential created in the last minute may not have propagated yet: retrying." : ""
        switch code {
        case 70021:
            return "No federated identity credential of client \(c.clientId) has exactly this issuer, subject and "
                + "audience (a trailing slash counts). Compare the credential with the assertion, or create one: "
                + createCommands(c) + "." + propagating
        case 700211:
            return "The credential's issuer must be the assertion's iss exactly, \(c.issuer ?? "-") (a trailing "
                + "slash counts); create or fix the credential: " + createCommands(c) + "." + propagating
        case 700212:
            return "The credential's one audience must be the assertion's aud, \(c.audiences.first ?? "-") "
                + "(targets[].azure.audience, default by cloud); fix the credential or the audience: "
                + createCommands(c) + "." + propagating
        case 700213:
            return "The credential's subject must be the assertion's sub exactly, \(c.subject ?? "-"); fix the "
                + "credential or create one: " + createCommands(c) + "." + propagating
        case 700024:
            let window = [
                c.issuedAt.map { "issued \(Timestamp.formatISO8601($0))" },
                c.expiresAt.map { "expires \(Timestamp.formatISO8601($0))" },
            ].compactMap { $0 }
            return "The assertion (\(window.isEmpty ? "no iat/exp" : window.joined(separator: ", "))) is outside "
                + "Entra ID's time window: check this node's clock (chrony, systemd-timesyncd) and that the token "
                + "is refreshed. Re-reading the assertion and retrying once."
        case 90061, 50166:
            return "Entra ID fetches \(c.issuer ?? "the issuer")/.well-known/openid-configuration and the JWKS it "
                + "names: both must be reachable from the internet over HTTPS (a Kubernetes cluster's service "
                + "account issuer must be published, e.g. AKS --enable-oidc-issuer, EKS's OIDC issuer URL, or the "
                + "discovery document on a public bucket). Retrying."
        case 700222:
            return "A federated identity credential of client \(c.clientId) names an Entra ID issuer "
                + "(login.microsoftonline.com, sts.windows.net), which federation does not accept; its issuer must "
                + "be the assertion's, \(c.issuer ?? "-")."
        case 700027:
            return "The issuer's JWKS at \(c.issuer ?? "the issuer") does not hold the key that signed the assertion "
                + "(keys rotated, or another issuer at the same URL); Entra ID accepts RS256."
        case 700016:
            return "Check clientId (the application (client) id, not the object id) and tenantId: the app "
                + "registration or user-assigned managed identity must exist in tenant \(c.tenantId)."
        case 90002:
            return "Check tenantId and cloud: tenant \(c.tenantId) is not known at \(c.endpoint) (a tenant lives in "
                + "one cloud: public, usgov or china)."
        case 500011, 70011:
            return "Check \(c.resource ?? "the resource") (targets[].azure.resources, azureAccessTokenFile.resource): "
                + "it must be the application ID URI of an API with a service principal in tenant \(c.tenantId)."
        case 53003:
            return "A Conditional Access policy for workload identities blocks client \(c.clientId) from here: a "
                + "tenant administrator must allow it."
        default:
            return status >= 500 || status == 429 ? "This is transient; retrying with backoff." : nil
        }
    }
}
