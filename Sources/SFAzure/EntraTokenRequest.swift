import FoundationEssentials
import SFCore

/// The client-credentials grant with a federated assertion at Entra ID's v2 token endpoint: request building and
/// response parsing, both pure.
public enum EntraTokenRequest {
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// The form POST, its fields in the order azure-identity sends them (`_get_jwt_assertion_request`), so that a
    /// fake that compares bodies byte for byte sees what the Azure SDKs send.
    public static func request(
        endpoint: Endpoint,
        clientId: String,
        resource: AzureResource,
        assertion: String
    ) -> HTTPRequest {
        let fields = [
            ("client_assertion", assertion), ("client_assertion_type", assertionType), ("client_id", clientId),
            ("grant_type", "client_credentials"), ("scope", resource.scope),
        ]
        return HTTPRequest(
            method: "POST",
            endpoint: endpoint,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(PercentEncoding.formBody(fields).utf8)
        )
    }

    /// An access token and until when it is valid: `requestStart + expires_in` (the local time before the
    /// request, as azure-identity and MSAL compute it). Lifetimes range from minutes to 24 hours; none is assumed.
    public struct Response: Sendable, Equatable {
        public var accessToken: String
        public var expiration: Date
        /// `ext_expires_in`, when given: how long the token is honoured during an Entra outage.
        public var extendedExpiration: Date?
    }

    /// `expires_in` and `ext_expires_in`: a JSON number, or a numeric string (v1-style endpoints).
    struct Seconds: Decodable {
        var value: Double?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                value = number
            } else {
                value = Double(try container.decode(String.self))
            }
        }
    }

    struct TokenResponse: Decodable {
        var access_token: String?
        var token_type: String?
        var expires_in: Seconds?
        var ext_expires_in: Seconds?
    }

    struct ErrorResponse: Decodable {
        var error: String
        var error_description: String?
        var error_codes: [Int]?
        var trace_id: String?
        var correlation_id: String?
    }

    public static func parse(
        status: Int,
        body: [UInt8],
        requestStart: Date,
        context: EntraError.Context
    ) throws(EntraError) -> Response {
        guard (200..<300).contains(status) else {
            let error: ErrorResponse
            do {
                error = try JSONDecoder().decode(ErrorResponse.self, from: Data(body))
            } catch {
                throw .malformedResponse(
                    context,
                    status: status,
                    reason: "HTTP \(status) without an OAuth error body",
                    underlying: error
                )
            }
            throw .service(
                context,
                EntraError.Answer(
                    status: status,
                    error: error.error,
                    description: error.error_description ?? "",
                    codes: error.error_codes ?? [],
                    traceId: error.trace_id,
                    correlationId: error.correlation_id
                )
            )
        }
        let response: TokenResponse
        do {
            response = try JSONDecoder().decode(TokenResponse.self, from: Data(body))
        } catch {
            throw .malformedResponse(
                context,
                status: status,
                reason: "the response is not a token response",
                underlying: error
            )
        }
        guard let token = response.access_token, !token.isEmpty else {
            throw .malformedResponse(context, status: status, reason: "no access_token in the response")
        }
        guard response.token_type?.lowercased() == "bearer" else {
            let found = response.token_type.map { "token_type \($0)" } ?? "no token_type"
            throw .malformedResponse(context, status: status, reason: "\(found) in the response (expected Bearer)")
        }
        guard let seconds = response.expires_in?.value, seconds.isFinite, seconds > 0 else {
            throw .malformedResponse(context, status: status, reason: "no positive expires_in in the response")
        }
        let extended = response.ext_expires_in?.value.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        return Response(
            accessToken: token,
            expiration: requestStart.addingTimeInterval(seconds),
            extendedExpiration: extended.map { requestStart.addingTimeInterval($0) }
        )
    }
}
