import FoundationEssentials
import SFCore
import SFCrypto

/// AWS Signature Version 4 for request headers (`Authorization: AWS4-HMAC-SHA256 …`).
///
/// Pure: the signing time is a parameter and nothing is read from the environment, so the same
/// inputs always give the same bytes. That is what lets the aws-c-auth and botocore suites, and the
/// GetCallerIdentity signatures the google-auth libraries hard-code, pin it down exactly.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    /// The signing name in the credential scope, e.g. `sts`.
    public let service: String

    public static let algorithm = "AWS4-HMAC-SHA256"

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Every intermediate value of one signature, so that each SigV4 step can be checked on its own
    /// against reference suites, and a failed signature can be compared with what AWS says it expected.
    public struct Signing: Sendable {
        /// The request as it must be sent: the input plus `Host` (when absent), `X-Amz-Security-Token`,
        /// `X-Amz-Date`, `X-Amz-Content-Sha256` (when asked for) and `Authorization`.
        public var request: HTTPRequest
        public var canonicalRequest: String
        public var stringToSign: String
        /// Lower-case hex.
        public var signature: String
        /// `host;x-amz-date;…`: the lower-case names the signature covers, sorted.
        public var signedHeaders: String
        public var authorization: String
    }

    /// Signs `request` at `date` and returns it ready to send.
    ///
    /// Every header already on the request is signed, so a header that must stay unsigned (such as
    /// google-auth-python's `x-goog-cloud-target-resource`) is added to the result afterwards.
    /// - Parameters:
    ///   - omitSessionToken: send `X-Amz-Security-Token` but leave it out of the signature, for
    ///     services that validate the signature before the token (aws-c-auth's `omit_session_token`).
    ///   - signedPayloadHash: also send and sign `X-Amz-Content-Sha256`. S3 requires it; STS clients
    ///     (botocore, the google-auth libraries) do not send it, and a GetCallerIdentity subject token
    ///     must match theirs.
    public func sign(
        _ request: HTTPRequest,
        date: Date,
        omitSessionToken: Bool = false,
        signedPayloadHash: Bool = false
    ) -> HTTPRequest {
        signing(request, date: date, omitSessionToken: omitSessionToken, signedPayloadHash: signedPayloadHash).request
    }

    /// `sign`, with every intermediate step kept.
    ///
    /// Signing headers already on the request (`Authorization`, `X-Amz-Date`, and the token and payload
    /// headers this call adds) are replaced, so signing a signed request again gives a fresh signature.
    public func signing(
        _ request: HTTPRequest,
        date: Date,
        omitSessionToken: Bool = false,
        signedPayloadHash: Bool = false
    ) -> Signing {
        let amzDate = Timestamp.formatAMZDate(date)
        let token = credentials.sessionToken
        let payloadHash = Self.payloadHash(request.body)

        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if !token.isEmpty { replaced.insert("x-amz-security-token") }
        if signedPayloadHash { replaced.insert("x-amz-content-sha256") }
        var prepared = request
        prepared.headers.removeAll { replaced.contains($0.name.lowercased()) }
        if !prepared.headers.contains(where: { $0.name.lowercased() == "host" }) {
            prepared.headers.insert((name: "Host", value: request.endpoint.authority), at: 0)
        }
        if !token.isEmpty, !omitSessionToken { prepared.headers.append((name: "X-Amz-Security-Token", value: token)) }
        prepared.headers.append((name: "X-Amz-Date", value: amzDate))
        if signedPayloadHash { prepared.headers.append((name: "X-Amz-Content-Sha256", value: payloadHash)) }

        let canonical = Self.canonicalRequest(prepared, payloadHash: payloadHash)
        let stringToSign = stringToSign(canonicalRequest: canonical.text, date: date)
        let signature = signature(stringToSign: stringToSign, date: date)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(date: date)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"

        var signed = prepared
        if !token.isEmpty, omitSessionToken {
            // aws-c-auth's order (token, date, authorization), so header-signed-request.txt matches.
            let dateIndex = signed.headers.firstIndex { $0.name == "X-Amz-Date" } ?? signed.headers.endIndex
            signed.headers.insert((name: "X-Amz-Security-Token", value: token), at: dateIndex)
        }
        signed.headers.append((name: "Authorization", value: authorization))
        return Signing(
            request: signed,
            canonicalRequest: canonical.text,
            stringToSign: stringToSign,
            signature: signature,
            signedHeaders: canonical.signedHeaders,
            authorization: authorization
        )
    }

    /// `20150830/us-east-1/service/aws4_request`: what the key is derived for.
    public func scope(date: Date) -> String {
        "\(Timestamp.formatAMZDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// Step 2: algorithm, time, scope and the hex SHA-256 of the canonical request, one per line.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        [
            Self.algorithm, Timestamp.formatAMZDate(date), scope(date: date),
            Hex.lower(Digest.sha256(Array(canonicalRequest.utf8))),
        ]
        .joined(separator: "\n")
    }

    /// Step 3: HMAC-SHA256 of the string to sign under the key derived from the secret, the day,
    /// the region and the service; lower-case hex.
    public func signature(stringToSign: String, date: Date) -> String {
        var key = Digest.hmacSHA256(
            key: Array("AWS4\(credentials.secretAccessKey)".utf8),
            data: Array(Timestamp.formatAMZDate(date).prefix(8).utf8)
        )
        for part in [region, service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, data: Array(part.utf8))
        }
        return Hex.lower(Digest.hmacSHA256(key: key, data: Array(stringToSign.utf8)))
    }

    /// Hex SHA-256 of the body (`e3b0c442…b855` for an empty one).
    public static func payloadHash(_ body: [UInt8]) -> String {
        Hex.lower(Digest.sha256(body))
    }
}
