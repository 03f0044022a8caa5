import Foundation
import SFAzure
import SFCore
import Testing

struct EntraTokenRequestTests {
    static let endpoint = AzureTargetConfiguration(tenantId: AzureFixtures.tenant, clientId: AzureFixtures.client)
        .tokenEndpoint
    static let context = EntraError.Context(
        tenantId: AzureFixtures.tenant,
        clientId: AzureFixtures.client,
        endpoint: endpoint.url,
        resource: "https://storage.azure.com",
        expectedAudience: "api://AzureADTokenExchange"
    )
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the form body: azure-identity's fields and order, percent-encoded")
    func request() {
        let request = EntraTokenRequest.request(
            endpoint: Self.endpoint,
            clientId: AzureFixtures.client,
            resource: AzureResource("https://storage.azure.com"),
            assertion: "aa.bb.cc"
        )
        #expect(request.method == "POST")
        #expect(request.url == "https://login.microsoftonline.com/\(AzureFixtures.tenant)/oauth2/v2.0/token")
        #expect(request.headers.map(\.name) == ["Content-Type", "Accept"])
        #expect(request.headers.map(\.value) == ["application/x-www-form-urlencoded", "application/json"])
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "client_assertion=aa.bb.cc"
                + "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_id=11111111-2222-3333-4444-555555555555&grant_type=client_credentials"
                + "&scope=https%3A%2F%2Fstorage.azure.com%2F.default"
        )
    }

    @Test("expires_in as a number or a numeric string; ext_expires_in optional; never an assumed hour")
    func parse() throws {
        let number = try EntraTokenRequest.parse(
            status: 200,
            body: Array(#"{"token_type":"Bearer","expires_in":86399,"ext_expires_in":86399,"access_token":"at"}"#.utf8),
            requestStart: Self.start,
            context: Self.context
        )
        #expect(number.accessToken == "at")
        #expect(number.expiration == Self.start.addingTimeInterval(86399))
        #expect(number.extendedExpiration == Self.start.addingTimeInterval(86399))
        let string = try EntraTokenRequest.parse(
            status: 200,
            body: Array(#"{"token_type":"bearer","expires_in":"299","access_token":"at"}"#.utf8),
            requestStart: Self.start,
            context: Self.context
        )
        #expect(string.expiration == Self.start.addingTimeInterval(299))
        #expect(string.extendedExpiration == nil)
    }

    @Test("an answer without a token, a lifetime or the Bearer type is unusable, and says which")
    func malformed() {
        func reason(_ body: String, status: Int = 200) -> String {
            do {
                _ = try EntraTokenRequest.parse(
                    status: status,
                    body: Array(body.utf8),
                    requestStart: Self.start,
                    context: Self.context
                )
                return "parsed"
            } catch {
                guard case .malformedResponse(_, _, let reason, _) = error else { return "\(error)" }
                return reason
            }
        }
        #expect(reason(#"{"token_type":"Bearer","expires_in":3599}"#) == "no access_token in the response")
        #expect(reason(#"{"token_type":"Bearer","access_token":"a"}"#) == "no positive expires_in in the response")
        #expect(
            reason(#"{"token_type":"pop","expires_in":1,"access_token":"a"}"#)
                == "token_type pop in the response (expected Bearer)"
        )
        #expect(reason("<html>", status: 502) == "HTTP 502 without an OAuth error body")
    }

    @Test("an OAuth error keeps error, description, codes, trace and correlation ids")
    func errorAnswer() {
        #expect(
            throws: EntraError.service(
                Self.context,
                EntraError.Answer(
                    status: 400,
                    error: "invalid_client",
                    description: "AADSTS700024: Client assertion is not within its valid time range.",
                    codes: [700024],
                    traceId: "t",
                    correlationId: "c"
                )
            )
        ) {
            try EntraTokenRequest.parse(
                status: 400,
                body: Array(
                    (#"{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within "#
                        + #"its valid time range.","error_codes":[700024],"trace_id":"t","correlation_id":"c"}"#).utf8
                ),
                requestStart: Self.start,
                context: Self.context
            )
        }
    }

    @Test("the code comes from error_codes, else from the description")
    func code() {
        #expect(EntraError.Answer(status: 400, error: "e", description: "x", codes: [90061]).code == 90061)
        #expect(EntraError.Answer(status: 400, error: "e", description: "AADSTS700212: No match").code == 700212)
        #expect(EntraError.Answer(status: 400, error: "e", description: "no code").code == nil)
        #expect(
            EntraError.Answer(status: 400, error: "e", description: "AADSTS70021: No match.\r\nTrace ID: x").summary
                == "No match."
        )
    }
}
