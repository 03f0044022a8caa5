import FoundationEssentials
import SFCore

/// The STS `GetWebIdentityToken` call (IAM outbound identity federation): request building and response parsing,
/// both pure. The request is SigV4-signed by the caller (`AWSOutboundWebIdentity`); the API is served by regional
/// STS endpoints only, never the global one.
public enum GetWebIdentityToken {
    public static let action = "GetWebIdentityToken"
    /// Entra ID accepts RS256 (ES384 is the other algorithm STS offers).
    public static let signingAlgorithm = "RS256"
    /// `DurationSeconds`' range (STS's default is 300).
    public static let durations = 60...3600

    /// `https://sts.REGION.SUFFIX/`.
    public static func regionalEndpoint(region: String) -> Endpoint {
        Endpoint(scheme: .https, host: "sts.\(region).\(AWSPartition.forRegion(region).dnsSuffix)")
    }

    /// The unsigned query-API form POST, parameters in the model's order (as botocore serializes them).
    public static func request(endpoint: Endpoint, audience: String, durationSeconds: Int) -> HTTPRequest {
        let fields: [(String, String)] = [
            ("Action", action),
            ("Version", AssumeRoleWithWebIdentity.apiVersion),
            ("Audience.member.1", audience),
            ("DurationSeconds", String(durationSeconds)),
            ("SigningAlgorithm", signingAlgorithm),
        ]
        return HTTPRequest(
            method: "POST",
            endpoint: endpoint,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(PercentEncoding.formBody(fields).utf8)
        )
    }

    /// The duration to ask for: an hour, or less when the credentials expire sooner (STS refuses a token that
    /// outlives the session: `SessionDurationEscalationException`), keeping a minute in hand.
    public static func duration(credentialsExpiration: Date, now: Date) -> Int {
        let left = Int(credentialsExpiration.timeIntervalSince(now)) - 60
        return min(max(left, durations.lowerBound), durations.upperBound)
    }

    /// `<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken/><Expiration/>…`.
    public static func parse(
        status: Int,
        body: [UInt8],
        context: STSError.Context
    ) throws(STSError) -> (token: String, expiration: Date) {
        let root: XMLElement
        do {
            root = try XMLDocument.parse(body)
        } catch {
            throw .malformedResponse(context, status: status, reason: "not XML", underlying: error)
        }
        guard (200..<300).contains(status) else {
            throw AssumeRoleWithWebIdentity.errorResponse(root, status: status, context: context)
        }
        guard root.localName == "GetWebIdentityTokenResponse", let result = root.child("GetWebIdentityTokenResult")
        else {
            throw .malformedResponse(
                context,
                status: status,
                reason: "no GetWebIdentityTokenResponse/GetWebIdentityTokenResult element (root <\(root.name)>)"
            )
        }
        guard let token = result.text(at: "WebIdentityToken"), !token.isEmpty else {
            throw .malformedResponse(context, status: status, reason: "WebIdentityToken is missing or empty")
        }
        guard let text = result.text(at: "Expiration"), let expiration = Timestamp.parseISO8601(text) else {
            throw .malformedResponse(context, status: status, reason: "Expiration is missing or not an ISO 8601 time")
        }
        return (token, expiration)
    }
}
