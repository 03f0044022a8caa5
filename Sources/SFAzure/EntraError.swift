import FoundationEssentials
import SFCore

/// An Entra ID token request that failed, or an assertion Entra would refuse, with what to check next.
///
/// Messages name the AADSTS code, what Entra said (its first line: the trace, correlation id and timestamp are
/// given separately), the assertion's `iss`, `sub` and `aud` (its claims, never the token) and the fix.
public enum EntraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being attempted: the client, the tenant, the resource and the assertion's claims.
    public struct Context: Sendable, Equatable {
        public var tenantId: String
        public var clientId: String
        /// The token endpoint.
        public var endpoint: String
        /// The resource asked for; nil while the assertion is checked.
        public var resource: String?
        /// The audience the target expects the assertion to carry.
        public var expectedAudience: String
        public var issuer: String?
        public var subject: String?
        public var audiences: [String]
        public var issuedAt: Date?
        public var expiresAt: Date?
        /// A "no matching federated identity credential" answer early in the agent's life, which a credential
        /// created moments ago explains (`FederatedCredentialPropagation`): retried, not fatal.
        public var mayBePropagating: Bool

        public init(
            tenantId: String,
            clientId: String,
            endpoint: String,
            resource: String? = nil,
            expectedAudience: String,
            claims: JWTClaims = JWTClaims(),
            mayBePropagating: Bool = false
        ) {
            self.tenantId = tenantId
            self.clientId = clientId
            self.endpoint = endpoint
            self.resource = resource
            self.expectedAudience = expectedAudience
            self.issuer = claims.issuer
            self.subject = claims.subject
            self.audiences = claims.audiences
            self.issuedAt = claims.issuedAt
            self.expiresAt = claims.expiresAt
            self.mayBePropagating = mayBePropagating
        }

        /// `iss=…, sub=…, aud=…` of the assertion.
        public var claimsSentence: String {
            let aud = audiences.isEmpty ? "-" : audiences.joined(separator: ",")
            return "iss=\(issuer ?? "-"), sub=\(subject ?? "-"), aud=\(aud)"
        }
    }

    /// Entra's OAuth error answer.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// `error`: `invalid_request`, `invalid_client`, `invalid_scope`, `unauthorized_client`…
        public var error: String
        public var description: String
        public var codes: [Int]
        public var traceId: String?
        public var correlationId: String?

        public init(
            status: Int,
            error: String,
            description: String,
            codes: [Int] = [],
            traceId: String? = nil,
            correlationId: String? = nil
        ) {
            self.status = status
            self.error = error
            self.description = description
            self.codes = codes
            self.traceId = traceId
            self.correlationId = correlationId
        }

        /// The AADSTS code: `error_codes[0]`, else the number after `AADSTS` in the description.
        public var code: Int? {
            if let first = codes.first { return first }
            guard let range = description.firstRange(of: "AADSTS") else { return nil }
            return Int(String(description[range.upperBound...].prefix { $0.isASCII && $0.isNumber }))
        }

        /// The description's first line without its `AADSTSnnn: ` prefix (the code is shown apart).
        public var summary: String {
            var line = Substring(description.split(whereSeparator: \.isNewline).first ?? "")
            if line.hasPrefix("AADSTS"), let colon = line.firstIndex(of: ":") {
                line = line[line.index(after: colon)...]
            }
            let trimmed = String(line).trimmingASCIIWhitespace()
            return trimmed.isEmpty ? "no description" : trimmed
        }
    }

    /// Entra answered with an OAuth error.
    case service(Context, Answer)
    /// An answer that is not Entra's: `reason` says what was expected, `underlying` why it did not decode.
    case malformedResponse(Context, status: Int, reason: String, underlying: (any Error)? = nil)
    case transport(Context, underlying: HTTPTransportError)
    /// The assertion does not carry the audience the target expects (Entra would answer AADSTS700212).
    case assertionAudience(Context)
    /// The assertion cannot be presented: `reason` says why (no `exp`, already expired).
    case assertionUnusable(Context, reason: String)

    public var context: Context {
        switch self {
        case .service(let c, _), .malformedResponse(let c, _, _, _), .transport(let c, _), .assertionAudience(let c),
            .assertionUnusable(let c, _):
            return c
        }
    }

    /// The AADSTS code, when Entra gave one.
    public var code: Int? {
        if case .service(_, let answer) = self { return answer.code }
        return nil
    }

    public var description: String {
        let c = context
        let request =
            "the token request for client \(c.clientId) in tenant \(c.tenantId)"
            + (c.resource.map { " (resource \($0))" } ?? "")
        switch self {
        case .transport(_, let underlying):
            return "Entra ID at \(c.endpoint) could not be reached for \(request): \(underlying). "
                + (remedy ?? "")
        case .malformedResponse(_, let status, let reason, let underlying):
            let why = underlying.map { ": " + DecodingFailure.describe($0) } ?? ""
            return "Entra ID at \(c.endpoint) gave an unusable answer to \(request) (HTTP \(status)): "
                + "\(reason)\(why). " + (remedy ?? "")
        case .service(_, let answer):
            let code = answer.code.map { "AADSTS\($0), " } ?? ""
            var text =
                "Entra ID rejected \(request) (\(code)\(answer.error), HTTP \(answer.status)): "
                + Self.sentence(answer.summary) + " The assertion carries \(c.claimsSentence)."
            if let remedy { text += " " + remedy }
            let ids = [answer.traceId.map { "trace ID \($0)" }, answer.correlationId.map { "correlation ID \($0)" }]
                .compactMap { $0 }
            if !ids.isEmpty { text += " [\(ids.joined(separator: ", "))]" }
            return text
        case .assertionAudience:
            return "the assertion for client \(c.clientId) in tenant \(c.tenantId) carries aud="
                + "\(c.audiences.isEmpty ? "-" : c.audiences.joined(separator: ",")), not \(c.expectedAudience), "
                + "so Entra ID would refuse it (AADSTS700212). " + (remedy ?? "")
        case .assertionUnusable(_, let reason):
            return "the assertion for client \(c.clientId) in tenant \(c.tenantId) cannot be presented to Entra ID: "
                + "\(reason) (\(c.claimsSentence)). " + (remedy ?? "")
        }
    }

    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }

    /// Causes compare by type and description (`any Error` is not `Equatable`).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.service(let c1, let a1), .service(let c2, let a2)):
            return c1 == c2 && a1 == a2
        case (.malformedResponse(let c1, let s1, let r1, let u1), .malformedResponse(let c2, let s2, let r2, let u2)):
            return c1 == c2 && s1 == s2 && r1 == r2 && sameFailure(u1, u2)
        case (.transport(let c1, let u1), .transport(let c2, let u2)):
            return c1 == c2 && u1 == u2
        case (.assertionAudience(let c1), .assertionAudience(let c2)):
            return c1 == c2
        case (.assertionUnusable(let c1, let r1), .assertionUnusable(let c2, let r2)):
            return c1 == c2 && r1 == r2
        default:
            return false
        }
    }
}
