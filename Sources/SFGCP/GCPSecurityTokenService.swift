import FoundationEssentials
import SFCore

/// GCP STS token exchange (RFC 8693 as Google implements it) and IAM Credentials `generateAccessToken`:
/// request building and response parsing, pure.
public enum GCPSecurityTokenService {
    public static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    public static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    /// With impersonation, the STS token only needs to call IAM Credentials (Go and Java send cloud-platform).
    public static let impersonationScope = "https://www.googleapis.com/auth/cloud-platform"

    /// The `/v1/token` form POST. No `Authorization` header: Google documents that one can make it fail.
    public static func exchangeRequest(
        endpoint: Endpoint,
        audience: String,
        scopes: [String],
        subjectToken: String,
        subjectTokenType: String
    ) -> HTTPRequest {
        let fields = [
            ("grant_type", grantType), ("audience", audience), ("scope", scopes.joined(separator: " ")),
            ("requested_token_type", accessTokenType), ("subject_token", subjectToken),
            ("subject_token_type", subjectTokenType),
        ]
        return HTTPRequest(
            method: "POST",
            endpoint: endpoint,
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(PercentEncoding.formBody(fields).utf8)
        )
    }

    struct TokenResponse: Decodable {
        var access_token: String?
        var expires_in: Int?
        var token_type: String?
    }

    struct OAuthError: Decodable {
        var error: String
        var error_description: String?
    }

    /// An access token and its expiry, computed from the local time before the request (as google-auth does).
    public static func parseExchange(
        status: Int,
        body: [UInt8],
        requestStart: Date,
        context: GCPError.Context
    ) throws(GCPError) -> (token: String, expiration: Date) {
        guard (200..<300).contains(status) else {
            let error: OAuthError
            do {
                error = try JSONDecoder().decode(OAuthError.self, from: Data(body))
            } catch {
                throw .malformedResponse(
                    context,
                    service: "GCP STS",
                    status: status,
                    reason: "HTTP \(status) without an OAuth error body",
                    underlying: error
                )
            }
            throw .sts(context, status: status, error: error.error, description: error.error_description ?? "")
        }
        let response: TokenResponse
        do {
            response = try JSONDecoder().decode(TokenResponse.self, from: Data(body))
        } catch {
            throw .malformedResponse(
                context,
                service: "GCP STS",
                status: status,
                reason: "the response is not a token exchange response",
                underlying: error
            )
        }
        guard let token = response.access_token, !token.isEmpty else {
            throw .malformedResponse(
                context,
                service: "GCP STS",
                status: status,
                reason: "no access_token in the response"
            )
        }
        guard let seconds = response.expires_in, seconds > 0 else {
            throw .malformedResponse(
                context,
                service: "GCP STS",
                status: status,
                reason: "no positive expires_in in the response"
            )
        }
        return (token, requestStart.addingTimeInterval(Double(seconds)))
    }

    /// IAM Credentials `generateAccessToken` with the federated token as bearer.
    public static func generateAccessTokenRequest(
        endpoint: Endpoint,
        federatedToken: String,
        scopes: [String],
        lifetimeSeconds: Int?
    ) -> HTTPRequest {
        var body = "{\"scope\":[" + scopes.map(JSONText.string).joined(separator: ",") + "]"
        if let lifetimeSeconds { body += ",\"lifetime\":\"\(lifetimeSeconds)s\"" }
        body += "}"
        let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer " + federatedToken)]
        var request = HTTPRequest(method: "POST", endpoint: endpoint, headers: headers, body: Array(body.utf8))
        request.headerOrigins["authorization"] = "the access_token of GCP STS's response"
        return request
    }

    /// IAM Credentials `generateIdToken` for the service account, with the federated token as bearer.
    public static func generateIdTokenRequest(
        iamEndpoint: Endpoint,
        serviceAccount: String,
        federatedToken: String,
        audience: String,
        includeEmail: Bool
    ) -> HTTPRequest {
        let endpoint = iamEndpoint.appendingPath("/v1/projects/-/serviceAccounts/\(serviceAccount):generateIdToken")
        let body = "{\"audience\":\(JSONText.string(audience)),\"includeEmail\":\(includeEmail)}"
        let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer " + federatedToken)]
        var request = HTTPRequest(method: "POST", endpoint: endpoint, headers: headers, body: Array(body.utf8))
        request.headerOrigins["authorization"] = "the access_token of GCP STS's response"
        return request
    }

    struct GenerateIdTokenResponse: Decodable {
        var token: String?
    }

    /// The ID token (a JWT) from a `generateIdToken` answer.
    public static func parseGenerateIdToken(
        status: Int,
        body: [UInt8],
        context: GCPError.Context
    ) throws(GCPError) -> String {
        guard (200..<300).contains(status) else { throw googleAPIError(status: status, body: body, context: context) }
        let response: GenerateIdTokenResponse
        do {
            response = try JSONDecoder().decode(GenerateIdTokenResponse.self, from: Data(body))
        } catch {
            throw .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "the response is not a generateIdToken response",
                underlying: error
            )
        }
        guard let token = response.token, token.split(separator: ".", omittingEmptySubsequences: false).count == 3
        else {
            throw .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "no JWT in the \"token\" field of the response"
            )
        }
        return token
    }

    struct GenerateAccessTokenResponse: Decodable {
        var accessToken: String?
        var expireTime: String?
    }

    struct GoogleAPIError: Decodable {
        struct Body: Decodable {
            var code: Int?
            var message: String?
            var status: String?
        }
        var error: Body
    }

    /// The `.iam` error a non-2xx IAM Credentials answer carries, or why its body is not a Google API error.
    static func googleAPIError(status: Int, body: [UInt8], context: GCPError.Context) -> GCPError {
        do {
            let error = try JSONDecoder().decode(GoogleAPIError.self, from: Data(body))
            return .iam(context, status: status, message: error.error.message ?? "", reason: error.error.status ?? "")
        } catch {
            return .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "HTTP \(status) without a Google API error body",
                underlying: error
            )
        }
    }

    public static func parseGenerateAccessToken(
        status: Int,
        body: [UInt8],
        context: GCPError.Context
    ) throws(GCPError) -> (token: String, expiration: Date) {
        guard (200..<300).contains(status) else { throw googleAPIError(status: status, body: body, context: context) }
        let response: GenerateAccessTokenResponse
        do {
            response = try JSONDecoder().decode(GenerateAccessTokenResponse.self, from: Data(body))
        } catch {
            throw .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "the response is not a generateAccessToken response",
                underlying: error
            )
        }
        guard let token = response.accessToken, !token.isEmpty, let expireText = response.expireTime else {
            throw .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "no accessToken/expireTime in the response"
            )
        }
        guard let expiration = Timestamp.parseISO8601(expireText) else {
            throw .malformedResponse(
                context,
                service: "IAM Credentials",
                status: status,
                reason: "expireTime \"\(expireText)\" is not an RFC 3339 time"
            )
        }
        return (token, expiration)
    }
}
