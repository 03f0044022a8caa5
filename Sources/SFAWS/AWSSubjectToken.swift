import FoundationEssentials
import SFCore

/// The GCP STS subject token for AWS identities (`aws4_request`): a SigV4-signed `GetCallerIdentity`
/// request, serialized as Google's libraries do and URL-encoded. Pure (time is a parameter).
///
/// `x-goog-cloud-target-resource` (the provider) is signed, as Google recommends and the Go and Java
/// libraries do, so the token cannot be replayed against another provider. It is valid for about 15 minutes.
/// The composition root hands one to GCP federation as its `AWSSubjectTokenSigner`.
public struct AWSSubjectToken: AWSSubjectTokenSigner {
    public static let validity: Duration = .seconds(15 * 60)

    public init() {}

    public var validity: Duration { Self.validity }

    public func subjectToken(
        credentials: AWSCredentials,
        region: String,
        targetResource: String,
        date: Date
    ) -> String {
        Self.build(credentials: credentials, region: region, targetResource: targetResource, date: date)
    }

    /// `https://sts.REGION.SUFFIX?Action=GetCallerIdentity&Version=2011-06-15`.
    public static func verificationEndpoint(region: String) -> Endpoint {
        Endpoint(scheme: .https, host: "sts.\(region).\(AWSPartition.forRegion(region).dnsSuffix)")
    }

    public static func build(credentials: AWSCredentials, region: String, targetResource: String, date: Date) -> String
    {
        let endpoint = verificationEndpoint(region: region)
        let query = "Action=GetCallerIdentity&Version=2011-06-15"
        let request = HTTPRequest(
            method: "POST",
            endpoint: endpoint,
            query: query,
            headers: [("x-goog-cloud-target-resource", targetResource)]
        )
        let signed = SigV4Signer(credentials: credentials, region: region, service: "sts").sign(request, date: date)
        // Header keys as google-auth-python writes them; the signer's Host/X-Amz-* spelling normalised.
        let order = ["authorization", "host", "x-amz-date", "x-amz-security-token", "x-goog-cloud-target-resource"]
        let headers = signed.headers
            .map {
                (key: $0.name.lowercased() == "authorization" ? "Authorization" : $0.name.lowercased(), value: $0.value)
            }
            .sorted {
                (order.firstIndex(of: $0.key.lowercased()) ?? 99) < (order.firstIndex(of: $1.key.lowercased()) ?? 99)
            }
        let url = "https://\(endpoint.host)?\(query)"
        let json =
            "{\"headers\": ["
            + headers.map { "{\"key\": \(JSONText.string($0.key)), \"value\": \(JSONText.string($0.value))}" }
            .joined(separator: ", ") + "], \"method\": \"POST\", \"url\": \(JSONText.string(url))}"
        return PercentEncoding.encode(json, keepingSlash: true)
    }
}
