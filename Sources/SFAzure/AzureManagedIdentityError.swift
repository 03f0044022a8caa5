import SFCore

/// Why Azure IMDS (or the App Service identity endpoint) gave no token, with what to set or check.
public enum AzureManagedIdentityError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedFailure {
    /// Not ready yet: `underlying` is the last answer's failure (an `HTTPTransportError`, or `.unavailable`);
    /// `waited` is the startup wait the agent asks again for before this failure stands.
    case notReady(endpoint: String, waited: Duration, underlying: any Error)
    /// An answer IMDS documents as transient (404, 410, 429, 5xx): up, but not serving tokens yet.
    case unavailable(status: Int)
    /// A definite refusal (400 and the like): `error` and `message` are the OAuth-style body's fields.
    case rejected(endpoint: String, selection: String?, resource: String, status: Int, error: String, message: String)
    /// A 200 without a usable token.
    case malformedResponse(endpoint: String, reason: String)

    public var kind: FailureKind { .source }

    public var mayPassOnceReady: Bool {
        if case .notReady = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .notReady(let endpoint, let waited, let underlying):
            // Zero: one request, nothing waited for (the doctor, or `startupWaitSeconds: 0`).
            let tried =
                waited == .zero
                ? "is not ready (one request, " : "did not answer within \(Int(waited.seconds)) s ("
            return "\(endpoint) \(tried)last: \(underlying)). Is this an Azure VM, scale set or AKS node with a "
                + "managed identity? Outside Azure, set source.azureManagedIdentity.endpoint."
        case .unavailable(let status):
            return "HTTP \(status)"
        case .rejected(let endpoint, let selection, let resource, let status, let error, let message):
            let what = [error, message.trimmingASCIIWhitespace()].filter { !$0.isEmpty }.joined(separator: ": ")
            return "\(endpoint) refused a token for \(resource) (HTTP \(status)): \(what)."
                + Self.hint(error: error, message: message, status: status, selection: selection, resource: resource)
        case .malformedResponse(let endpoint, let reason):
            return "\(endpoint) answered HTTP 200 without a usable token: \(reason)"
        }
    }

    /// What to set or check for a refusal, from the codes IMDS and Entra send.
    static func hint(error: String, message: String, status: Int, selection: String?, resource: String) -> String {
        let text = (error + " " + message).lowercased()
        let key = "source.azureManagedIdentity"
        if text.contains("bad_request_102") || text.contains("metadata header") {
            return " The Metadata: true header did not arrive: is a proxy in between? Add 169.254.169.254 to NO_PROXY."
        }
        if text.contains("multiple user assigned identities") {
            return " Several user-assigned identities are attached and none was chosen: set one of \(key).clientId, "
                + "\(key).objectId or \(key).resourceId."
        }
        if text.contains("identity not found") {
            if let selection {
                return " No identity with \(selection) is assigned here: compare it with `az vm identity show` "
                    + "(or the scale set's / node pool's identities)."
            }
            return " No managed identity is assigned here: assign a system- or user-assigned identity "
                + "(`az vm identity assign`)."
        }
        if text.contains("aadsts500011") || text.contains("aadsts50001") || text.contains("invalid_resource") {
            return " \(resource) is not an application ID URI in this tenant: register an app that exposes it "
                + "(Expose an API → Application ID URI, with a service principal) and set \(key).resource to it."
        }
        if status == 401 || status == 403 {
            return " The identity endpoint refused the request: check IDENTITY_HEADER, and that the identity has an "
                + "app role on \(resource) if the app requires assignment."
        }
        return ""
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.notReady(let e1, let w1, let u1), .notReady(let e2, let w2, let u2)):
            return e1 == e2 && w1 == w2 && sameFailure(u1, u2)
        case (.unavailable(let s1), .unavailable(let s2)):
            return s1 == s2
        case (
            .rejected(let e1, let c1, let r1, let s1, let a1, let m1),
            .rejected(let e2, let c2, let r2, let s2, let a2, let m2)
        ):
            return e1 == e2 && c1 == c2 && r1 == r2 && s1 == s2 && a1 == a2 && m1 == m2
        case (.malformedResponse(let e1, let r1), .malformedResponse(let e2, let r2)):
            return e1 == e2 && r1 == r2
        default:
            return false
        }
    }
}
