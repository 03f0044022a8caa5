import FoundationEssentials
import SFCore

extension AzureManagedIdentitySource {
    /// A number IMDS sends as a string (`"3599"`) and App Service as either.
    struct NumericValue: Decodable {
        let value: Int?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
            } else {
                value = Int(try container.decode(String.self))
            }
        }
    }

    struct TokenResponse: Decodable {
        var access_token: String?
        var expires_in: NumericValue?
        var expires_on: NumericValue?
    }

    struct ErrorResponse: Decodable {
        var error: String?
        var error_description: String?
    }

    /// The token of a response, or why there is none. Pure.
    public static func parse(
        status: Int,
        body: [UInt8],
        endpoint: AzureIdentityEndpoint,
        configuration: AzureManagedIdentitySourceConfiguration,
        waited: Duration
    ) throws -> IdentityToken {
        let origin = "\(endpoint) (resource \(configuration.resource))"
        switch status {
        case 200:
            let response: TokenResponse
            do {
                response = try JSONDecoder().decode(TokenResponse.self, from: Data(body))
            } catch {
                throw AzureManagedIdentityError.malformedResponse(
                    endpoint: endpoint.description,
                    reason: DecodingFailure.describe(error)
                )
            }
            guard let accessToken = response.access_token, !accessToken.isEmpty else {
                throw AzureManagedIdentityError.malformedResponse(
                    endpoint: endpoint.description,
                    reason: "no access_token"
                )
            }
            var token = try IdentityToken(decoding: accessToken, origin: origin)
            // Entra tokens carry `exp`; should one not, the response's own expiry stands in.
            if token.claims.expiresAt == nil, let expiresOn = response.expires_on?.value {
                var claims = token.claims
                claims.expiresAt = Date(timeIntervalSince1970: TimeInterval(expiresOn))
                token = IdentityToken(value: token.value, claims: claims)
            }
            return token
        case 404, 410, 429, 500..<600:
            throw AzureManagedIdentityError.notReady(
                endpoint: endpoint.description,
                waited: waited,
                underlying: AzureManagedIdentityError.unavailable(status: status)
            )
        default:
            let error = try? JSONDecoder().decode(ErrorResponse.self, from: Data(body))
            let text = String(decoding: body, as: UTF8.self)
            throw AzureManagedIdentityError.rejected(
                endpoint: endpoint.description,
                selection: configuration.selection,
                resource: configuration.resource,
                status: status,
                error: error?.error ?? "",
                message: error?.error_description ?? String(text.prefix(200))
            )
        }
    }
}

extension AzureManagedIdentitySourceConfiguration {
    /// `clientId X`, `objectId X` or `resourceId X`: the user-assigned identity asked for, if any.
    public var selection: String? {
        if let clientId { return "clientId \(clientId)" }
        if let objectId { return "objectId \(objectId)" }
        if let resourceId { return "resourceId \(resourceId)" }
        return nil
    }
}
