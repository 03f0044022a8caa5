import Foundation
import SFAzure
import SFCore
import Testing

/// An assertion source that hands out a fixed token (the federated token file, read by the composition root).
private struct FixedAssertion: IdentityTokenSource {
    let token: IdentityToken
    var origin: String { "token file /var/run/secrets/azure/tokens/azure-identity-token" }
    func fetchToken() async throws -> IdentityToken { token }
}

struct AzureWorkloadIdentitySourceTests {
    static let principal = "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b"

    /// The Entra v1 access token for the resource, as IMDS would hand a VM.
    static let accessToken =
        AzureFixtures.segment(#"{"alg":"RS256","kid":"e"}"#) + "."
        + AzureFixtures.segment(
            #"{"iss":"https://sts.windows.net/\#(AzureFixtures.tenant)/","sub":"\#(principal)","#
                + #""oid":"\#(principal)","aud":"api://skyferry-aws","exp":4000000000,"ver":"1.0"}"#
        ) + ".c2ln"

    static let configuration = AzureWorkloadIdentitySourceConfiguration(
        tokenFile: "/var/run/secrets/azure/tokens/azure-identity-token",
        tenantId: AzureFixtures.tenant,
        clientId: AzureFixtures.client,
        resource: "api://skyferry-aws",
        authorityHost: Endpoint(scheme: .https, host: "login.example.test")
    )

    @Test("exchanges the federated token at Entra for the resource and hands on the access token")
    func exchange() async throws {
        let transport = ScriptedTransport(script: [
            AzureFixtures.ok(#"{"token_type":"Bearer","expires_in":3599,"access_token":"\#(Self.accessToken)"}"#)
        ])
        let source = AzureWorkloadIdentitySource(
            configuration: Self.configuration,
            assertion: FixedAssertion(token: AzureFixtures.token()),
            transport: transport,
            requestTimeout: .seconds(2),
            now: { Date(timeIntervalSince1970: 3_999_996_500) }
        )
        let token = try await source.fetchToken()
        #expect(token.value == Self.accessToken)
        #expect(token.claims.subject == Self.principal)
        #expect(token.claims.issuer == "https://sts.windows.net/\(AzureFixtures.tenant)/")
        let request = try #require(transport.sent.first)
        #expect(request.url == "https://login.example.test/\(AzureFixtures.tenant)/oauth2/v2.0/token")
        let form = String(decoding: request.body, as: UTF8.self)
        #expect(form.contains("scope=api%3A%2F%2Fskyferry-aws%2F.default"))
        #expect(form.contains("client_id=\(AzureFixtures.client)"))
        #expect(form.contains("client_assertion=\(AzureFixtures.jwt())"))
        #expect(!source.origin.contains(AzureFixtures.jwt()))
    }

    @Test("an assertion with the wrong audience is refused before any request")
    func wrongAudience() async {
        let transport = ScriptedTransport(script: [AzureFixtures.ok("{}")])
        let source = AzureWorkloadIdentitySource(
            configuration: Self.configuration,
            assertion: FixedAssertion(token: AzureFixtures.token(AzureFixtures.jwt(aud: "sts.amazonaws.com"))),
            transport: transport,
            requestTimeout: .seconds(2),
            now: { Date(timeIntervalSince1970: 3_999_996_500) }
        )
        await #expect(throws: EntraError.self) { try await source.fetchToken() }
        #expect(transport.sent.isEmpty)
    }
}
