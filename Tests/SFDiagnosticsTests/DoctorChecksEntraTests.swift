import SFAzure
import SFCore
import SFDiagnostics
import Testing

/// doctor's exchange step for Azure targets: every AADSTS answer named, with EntraError's cause and fix.
struct DoctorChecksEntraTests {
    static let azure = AzureTargetConfiguration(
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        clientId: "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d"
    )
    static let context = EntraError.Context(
        tenantId: azure.tenantId,
        clientId: azure.clientId,
        endpoint: azure.tokenEndpoint.url,
        resource: "https://storage.azure.com",
        expectedAudience: azure.resolvedAudience,
        claims: JWTClaims(
            issuer: "https://oidc.example.com/c1",
            subject: "system:serviceaccount:shop:api",
            audiences: ["api://AzureADTokenExchange"]
        )
    )

    static func answer(_ code: Int, error: String = "invalid_request") -> EntraError {
        .service(
            context,
            EntraError.Answer(
                status: 400,
                error: error,
                description: "AADSTS\(code): Entra's words.\r\nTrace ID: t\r\nCorrelation ID: c",
                codes: [code],
                traceId: "t-1"
            )
        )
    }

    /// The codes of azure.md §1.3 (and the client and resource errors EntraError maps).
    static let codes = [
        70021, 700211, 700212, 700213, 700024, 700222, 90061, 50166, 700027, 90002, 70011, 53003, 700016, 500011,
    ]

    @Test("every AADSTS code gets its cause and a fix", arguments: codes)
    func mapped(code: Int) throws {
        let step = DoctorChecks.exchangeFailed(Self.answer(code), provider: .azure(Self.azure))
        #expect(step.check == "exchange" && step.status == .fail)
        #expect(
            step.detail == "Entra ID answered AADSTS\(code) (invalid_request, HTTP 400): Entra's words. (trace id t-1)"
        )
        let error = Self.answer(code)
        #expect(step.cause == error.cause)
        #expect(step.cause != nil && step.cause != "Entra ID refused the exchange")
        #expect(step.fix == error.remedy)
        #expect(step.fix != nil)
    }

    @Test("an unknown code is still named, with Entra's own words")
    func unknown() {
        let step = DoctorChecks.exchangeFailed(Self.answer(999_999), provider: .azure(Self.azure))
        #expect(step.detail.hasPrefix("Entra ID answered AADSTS999999 (invalid_request, HTTP 400)"))
        #expect(step.cause != nil)
    }

    @Test("a no-match answer's fix names the credential to create, with this assertion's issuer and subject")
    func noMatchFix() throws {
        let fix = try #require(DoctorChecks.exchangeFailed(Self.answer(70021), provider: .azure(Self.azure)).fix)
        #expect(fix.contains("https://oidc.example.com/c1"))
        #expect(fix.contains("system:serviceaccount:shop:api"))
    }
}
