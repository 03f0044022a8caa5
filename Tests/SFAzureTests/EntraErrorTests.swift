import Foundation
import SFAzure
import SFCore
import Testing

/// Each AADSTS class: its kind and the message's cause, claims and fix.
struct EntraErrorTests {
    static let claims = JWTClaims(
        issuer: AzureFixtures.issuer,
        subject: AzureFixtures.subject,
        audiences: ["api://AzureADTokenExchange"],
        expiresAt: Date(timeIntervalSince1970: 4_000_000_000),
        issuedAt: Date(timeIntervalSince1970: 3_999_996_400)
    )
    static let context = EntraError.Context(
        tenantId: AzureFixtures.tenant,
        clientId: AzureFixtures.client,
        endpoint: "https://login.microsoftonline.com/\(AzureFixtures.tenant)/oauth2/v2.0/token",
        resource: "https://storage.azure.com",
        expectedAudience: "api://AzureADTokenExchange",
        claims: claims
    )

    static func error(_ code: Int, _ text: String, status: Int = 400, propagating: Bool = false) -> EntraError {
        var context = Self.context
        context.mayBePropagating = propagating
        return .service(
            context,
            EntraError.Answer(
                status: status,
                error: "invalid_request",
                description: "AADSTS\(code): \(text)\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: x",
                codes: [code],
                traceId: "t-1",
                correlationId: "c-1"
            )
        )
    }

    @Test("70021: the assertion's claims and the az commands that would match them")
    func noMatch() {
        let error = Self.error(70021, "No matching federated identity record found for presented assertion.")
        #expect(
            error.description == """
                Entra ID rejected the token request for client \(AzureFixtures.client) in tenant \
                \(AzureFixtures.tenant) (resource https://storage.azure.com) (AADSTS70021, invalid_request, HTTP \
                400): No matching federated identity record found for presented assertion. The assertion carries \
                iss=https://oidc.example.com/cluster, sub=system:serviceaccount:shop:api, \
                aud=api://AzureADTokenExchange. No federated identity credential of client \(AzureFixtures.client) \
                has exactly this issuer, subject and audience (a trailing slash counts). Compare the credential with \
                the assertion, or create one: az identity federated-credential create --name skyferry \
                --identity-name IDENTITY --resource-group GROUP --issuer 'https://oidc.example.com/cluster' \
                --subject 'system:serviceaccount:shop:api' --audiences 'api://AzureADTokenExchange' (a \
                user-assigned managed identity), or az ad app federated-credential create --id \
                \(AzureFixtures.client) --parameters '{"name":"skyferry","issuer":"https://oidc.example.com/cluster",\
                "subject":"system:serviceaccount:shop:api","audiences":["api://AzureADTokenExchange"]}' (an app \
                registration). [trace ID t-1, correlation ID c-1]
                """
        )
        #expect(error.kind == .rejected)
        #expect(!error.mayPassWithFreshToken)
        let early = error.propagating(true)
        #expect(early.kind == .unavailable)
        #expect(early.description.contains("A credential created in the last minute may not have propagated yet"))
    }

    @Test("700211, 700212, 700213: which claim did not match, with its value")
    func whichClaim() {
        let issuer = Self.error(700211, "No matching federated identity record found for presented assertion issuer.")
        #expect(
            issuer.remedy?.hasPrefix(
                "The credential's issuer must be the assertion's iss exactly, https://oidc.example.com/cluster (a "
                    + "trailing slash counts); create or fix the credential: az identity federated-credential create"
            ) == true
        )
        let audience = Self.error(
            700212,
            "No matching federated identity record found for presented assertion audience."
        )
        #expect(
            audience.remedy?.hasPrefix(
                "The credential's one audience must be the assertion's aud, api://AzureADTokenExchange "
                    + "(targets[].azure.audience, default by cloud)"
            ) == true
        )
        let subject = Self.error(700213, "No matching federated identity record found for presented assertion subject.")
        #expect(
            subject.remedy?.hasPrefix(
                "The credential's subject must be the assertion's sub exactly, system:serviceaccount:shop:api; "
            ) == true
        )
        #expect([issuer, audience, subject].allSatisfy { $0.kind == .rejected })
        #expect([issuer, audience, subject].allSatisfy { $0.propagating(true).kind == .unavailable })
        #expect(audience.cause == "no federated identity credential has the assertion's audience")
    }

    @Test("700024: a stale or skewed assertion, re-read and retried once")
    func stale() {
        let error = Self.error(700024, "Client assertion is not within its valid time range.")
        #expect(error.kind == .rejected)
        #expect(error.mayPassWithFreshToken)
        #expect(
            error.remedy
                == "The assertion (issued 2096-10-02T06:06:40Z, expires 2096-10-02T07:06:40Z) is outside Entra ID's "
                + "time window: check this node's clock (chrony, systemd-timesyncd) and that the token is refreshed. "
                + "Re-reading the assertion and retrying once."
        )
    }

    @Test("90061 and 50166: Entra cannot reach the issuer's discovery document; retried")
    func issuerUnreachable() {
        for code in [90061, 50166] {
            let error = Self.error(code, "Request to External OIDC endpoint failed.")
            #expect(error.kind == .unavailable)
            #expect(
                error.remedy?.hasPrefix(
                    "Entra ID fetches https://oidc.example.com/cluster/.well-known/openid-configuration and the JWKS "
                        + "it names: both must be reachable from the internet over HTTPS"
                ) == true
            )
        }
    }

    @Test("700222: an Entra issuer on the credential; other codes are rejections; 5xx and 429 are retried")
    func others() {
        let entraIssuer = Self.error(700222, "AAD-issued tokens may not be used for federated identity flows.")
        #expect(entraIssuer.kind == .rejected)
        #expect(entraIssuer.remedy?.contains("names an Entra ID issuer (login.microsoftonline.com") == true)
        #expect(Self.error(700016, "Application not found.").remedy?.hasPrefix("Check clientId") == true)
        #expect(Self.error(12345, "Something else.").kind == .rejected)
        #expect(Self.error(12345, "Something else.").remedy == nil)
        #expect(Self.error(50196, "Busy.", status: 503).kind == .unavailable)
        #expect(Self.error(50196, "Busy.", status: 429).kind == .unavailable)
    }

    @Test("no message shows an assertion or a token")
    func noSecrets() {
        let jwt = AzureFixtures.jwt()
        let token = AzureAccessToken(token: "secret-token", expiration: Date(), resource: "r", clientId: "c")
        #expect(!"\(token)".contains("secret-token"))
        for error in [Self.error(70021, "x"), Self.error(700024, "y"), .assertionAudience(Self.context)] {
            #expect(!error.description.contains(jwt))
        }
    }
}
