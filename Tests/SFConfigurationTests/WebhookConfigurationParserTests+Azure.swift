import SFConfiguration
import SFCore
import SFWebhook
import Testing

extension WebhookConfigurationParserTests {
    static let minimal = """
        tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}
        agent: {image: ghcr.io/example/skyferry:0.1.0}

        """

    @Test("azure.cloud and azure.authorityHost set the injected pods' Entra ID cloud; public by default")
    func azure() throws {
        let parser = WebhookConfigurationParser()
        #expect(try parser.parse(Self.minimal, origin: "webhook.yaml").azure == AzureWebhookConfiguration())
        let configuration = try parser.parse(
            Self.minimal + "azure:\n  cloud: usgov\n  authorityHost: https://login.example.test:8443\n",
            origin: "webhook.yaml"
        )
        #expect(configuration.azure.cloud == .usgov)
        #expect(configuration.azure.authorityHostURL == "https://login.example.test:8443")
        #expect(configuration.azure.tokenAudience == "api://AzureADTokenExchangeUSGov")
    }

    @Test("a misspelt azure key or cloud is reported with a suggestion")
    func azureProblems() {
        let parser = WebhookConfigurationParser()
        #expect(
            throws: ConfigurationError.invalid(
                path: "webhook.yaml",
                issues: [
                    ConfigurationIssue(
                        path: "azure.cloud",
                        line: 4,
                        message: "\"usgovt\" is not an Azure cloud (did you mean \"usgov\"?) (expected one of: public, "
                            + "usgov, china)"
                    )
                ]
            )
        ) {
            try parser.parse(Self.minimal + "azure:\n  cloud: usgovt\n", origin: "webhook.yaml")
        }
        #expect(
            throws: ConfigurationError.invalid(
                path: "webhook.yaml",
                issues: [
                    ConfigurationIssue(
                        path: "azure.authorityhost",
                        line: 4,
                        message: "unknown key (did you mean \"authorityHost\"?); expected one of: cloud, authorityHost"
                    )
                ]
            )
        ) {
            try parser.parse(Self.minimal + "azure:\n  authorityhost: https://x.test\n", origin: "webhook.yaml")
        }
    }

    @Test("azure.authorityHost must be HTTPS (plain HTTP only to loopback)")
    func azureAuthorityHost() {
        #expect(throws: ConfigurationError.self) {
            try WebhookConfigurationParser().parse(
                Self.minimal + "azure:\n  authorityHost: http://login.example.test\n",
                origin: "webhook.yaml"
            )
        }
    }
}
