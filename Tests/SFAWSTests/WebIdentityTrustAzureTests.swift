import SFAWS
import Testing

/// Entra v1 tokens (`azureManagedIdentity`, `azureWorkloadIdentity`): the issuer keeps its trailing slash in the
/// provider's name and in the condition keys, as IAM names them.
struct WebIdentityTrustAzureTests {
    @Test("pins sts.windows.net/TENANT/:sub to the principal id and :aud to the application ID URI")
    func entra() {
        let trust = WebIdentityTrust(
            issuer: "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
            subject: "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b",
            audience: "api://skyferry-aws"
        )
        #expect(!trust.isGoogle)
        #expect(trust.federatedPrincipal == "oidc-provider/sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/")
        #expect(
            trust.conditionsSentence
                == "sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/:sub = 6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b "
                + "and sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/:aud = api://skyferry-aws"
        )
    }
}
