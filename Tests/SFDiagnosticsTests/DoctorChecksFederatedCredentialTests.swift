import SFCore
import SFDiagnostics
import Testing

/// The Azure assertion against the federated identity credential it must match.
struct DoctorChecksFederatedCredentialTests {
    static let azure = AzureTargetConfiguration(
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        clientId: "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d",
        cloud: .usgov
    )

    static func claims(iss: String?, sub: String? = "system:serviceaccount:shop:api") -> JWTClaims {
        var claims = JWTClaims()
        claims.issuer = iss
        claims.subject = sub
        claims.audiences = ["api://AzureADTokenExchangeUSGov"]
        return claims
    }

    @Test("a matchable assertion names the exact credential it needs")
    func pass() {
        let step = DoctorChecks.federatedCredential(Self.claims(iss: "https://oidc.example.com/c1"), azure: Self.azure)
        #expect(
            step
                == .pass(
                    "federated-credential",
                    "client 6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d needs a federated identity credential with "
                        + "issuer=https://oidc.example.com/c1 subject=system:serviceaccount:shop:api "
                        + "audience=api://AzureADTokenExchangeUSGov"
                )
        )
        #expect(
            DoctorChecks.federatedCredentialCommand(Self.claims(iss: "https://oidc.example.com/c1"), azure: Self.azure)
                == "az identity federated-credential create --name NAME --identity-name IDENTITY --resource-group "
                + "GROUP --issuer \"https://oidc.example.com/c1\" --subject \"system:serviceaccount:shop:api\" "
                + "--audience \"api://AzureADTokenExchangeUSGov\""
        )
    }

    @Test(
        "assertions no credential can match fail, saying why",
        arguments: [
            ("http://oidc.example.com", "is not an https URL"),
            ("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", "AADSTS700222"),
            ("https://login.microsoftonline.com/t/v2.0", "AADSTS700222"),
            ("https://oidc.example.com/ ", "starts or ends with a space"),
        ]
    )
    func failures(issuer: String, fragment: String) {
        let step = DoctorChecks.federatedCredential(Self.claims(iss: issuer), azure: Self.azure)
        #expect(step.status == .fail)
        #expect(step.detail.contains(fragment))
    }

    @Test("an assertion without sub cannot match")
    func missingSubject() {
        let step = DoctorChecks.federatedCredential(Self.claims(iss: "https://x.example", sub: nil), azure: Self.azure)
        #expect(step.status == .fail && step.detail == "the assertion has no sub claim")
        #expect(
            DoctorChecks.federatedCredentialCommand(Self.claims(iss: "https://x", sub: nil), azure: Self.azure) == nil
        )
    }
}
