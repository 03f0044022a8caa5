import FoundationEssentials

/// The registered claims Skyferry reads from a JWT (RFC 7519 §4.1), plus the Kubernetes ones it can use.
public struct JWTClaims: Sendable, Equatable, CustomStringConvertible {
    public var issuer: String?
    public var subject: String?
    public var audiences: [String]
    public var expiresAt: Date?
    public var issuedAt: Date?
    public var notBefore: Date?
    /// `azp`: for Google ID tokens, the service account's unique id (AWS matches `accounts.google.com:aud` against it).
    public var authorizedParty: String?
    /// `kubernetes.io.pod.name`, when the token is a pod-bound projected token.
    public var podName: String?
    /// `kubernetes.io.namespace`.
    public var namespace: String?

    public init(
        issuer: String? = nil,
        subject: String? = nil,
        audiences: [String] = [],
        expiresAt: Date? = nil,
        issuedAt: Date? = nil,
        notBefore: Date? = nil,
        authorizedParty: String? = nil,
        podName: String? = nil,
        namespace: String? = nil
    ) {
        self.authorizedParty = authorizedParty
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.podName = podName
        self.namespace = namespace
    }

    public var description: String {
        var parts: [String] = []
        if let issuer { parts.append("iss=\(issuer)") }
        if let subject { parts.append("sub=\(subject)") }
        if !audiences.isEmpty { parts.append("aud=\(audiences.joined(separator: ","))") }
        if let expiresAt { parts.append("exp=\(Timestamp.formatISO8601(expiresAt))") }
        return parts.joined(separator: " ")
    }

    /// Decodes the payload segment of a compact JWT (`header.payload.signature`).
    public init(decodingCompactJWT jwt: String, origin: String) throws(IdentityTokenError) {
        let segments = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw .malformed(origin: origin, reason: "a JWT has 3 dot-separated parts, this has \(segments.count)")
        }
        guard let header = Base64.decode(segments[0]), let payload = Base64.decode(segments[1]) else {
            throw .malformed(origin: origin, reason: "a part is not base64url")
        }
        guard !segments[2].isEmpty else {
            throw .malformed(
                origin: origin,
                reason: "the signature part is empty (unsigned tokens are not accepted by any STS)"
            )
        }
        do {
            _ = try JSONDecoder().decode(HeaderShape.self, from: Data(header))
        } catch {
            throw .malformed(
                origin: origin,
                reason: "the header is not a JSON object with \"alg\" (\(DecodingFailure.describe(error)))"
            )
        }
        let shape: PayloadShape
        do {
            shape = try JSONDecoder().decode(PayloadShape.self, from: Data(payload))
        } catch {
            throw .malformed(
                origin: origin,
                reason: "the payload is not a JSON object of JWT claims (\(Self.describe(error)))"
            )
        }
        self.init(
            issuer: shape.iss,
            subject: shape.sub,
            audiences: shape.aud?.values ?? [],
            expiresAt: shape.exp.map { Date(timeIntervalSince1970: $0) },
            issuedAt: shape.iat.map { Date(timeIntervalSince1970: $0) },
            notBefore: shape.nbf.map { Date(timeIntervalSince1970: $0) },
            podName: shape.kubernetes?.pod?.name,
            namespace: shape.kubernetes?.namespace
        )
        self.authorizedParty = shape.azp
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not valid JSON"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not a JSON object" : "claim \"\(path)\" has the wrong type"
        default:
            return "invalid JSON"
        }
    }

    private struct HeaderShape: Decodable { var alg: String }

    private struct PayloadShape: Decodable {
        var iss: String?
        var sub: String?
        var aud: Audience?
        var exp: Double?
        var iat: Double?
        var nbf: Double?
        var azp: String?
        var kubernetes: KubernetesClaims?

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, exp, iat, nbf, azp
            case kubernetes = "kubernetes.io"
        }
    }

    private struct KubernetesClaims: Decodable {
        struct Named: Decodable { var name: String? }
        var namespace: String?
        var pod: Named?
    }

    /// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
    private struct Audience: Decodable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = try container.decode([String].self)
            }
        }
    }
}
