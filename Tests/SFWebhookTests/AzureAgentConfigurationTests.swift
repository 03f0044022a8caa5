import Foundation
import SFConfiguration
import SFCore
import SFWebhook
import Testing

/// The Azure target the webhook renders, read back with the agent's parser (the contract cannot drift).
struct AzureAgentConfigurationTests {
    static let arn = AgentConfigurationRendererTests.arn
    static let audience = AgentConfigurationRendererTests.audience
    static let client = "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d"
    static let secret = String(repeating: "ab", count: 32)

    static func azure(_ cloud: AzureWebhookConfiguration = .init()) -> AzureInjection {
        AzureInjection(clientId: client, tenantId: "contoso.onmicrosoft.com", cloud: cloud, secret: secret)
    }

    static let azureRequests: [(String, InjectionRequest)] = [
        ("azure sidecar", InjectionRequest(azure: azure())),
        ("aws and azure sidecar", InjectionRequest(aws: AWSInjection(roleArn: arn), azure: azure())),
        ("gcp and azure sidecar", InjectionRequest(gcp: GCPInjection(audience: audience), azure: azure())),
        (
            "azure usgov, own authority and audience",
            InjectionRequest(
                azure: azure(
                    AzureWebhookConfiguration(
                        cloud: .usgov,
                        authorityHost: Endpoint(scheme: .https, host: "login.example.test", port: 8443)
                    )
                ),
                tokenAudience: "api://skyferry-test"
            )
        ),
        (
            "gcp and azure init-only",
            InjectionRequest(gcp: GCPInjection(audience: audience), azure: azure(), mode: .initOnly)
        ),
    ]

    @Test(
        "the agent's own parser accepts the Azure target the webhook generates",
        arguments: azureRequests.map { $0.0 }
    )
    func azureParsesBack(name: String) throws {
        let request = try #require(Self.azureRequests.first { $0.0 == name }?.1)
        let configuration = try ConfigurationParser().parse(
            AgentConfigurationRenderer.render(request),
            origin: "SKYFERRY_CONFIG_YAML"
        )
        try configuration.checkEveryTargetHasOutputs()
        let targets = configuration.targets.filter { if case .azure = $0.provider { true } else { false } }
        guard request.mode == .sidecar else {
            // Init-only: the app's SDK exchanges the projected token itself.
            #expect(targets.isEmpty)
            return
        }
        let target = try #require(targets.first)
        guard case .azure(let azure) = target.provider else { return }
        #expect(azure.clientId == Self.client)
        #expect(azure.tenantId == "contoso.onmicrosoft.com")
        #expect(azure.cloud == request.azure?.cloud.cloud)
        #expect(azure.resolvedAuthorityHost == request.azure?.cloud.resolvedAuthorityHost)
        #expect(azure.resolvedAudience == request.tokenAudience ?? request.azure?.cloud.tokenAudience)
        let endpoint = try #require(target.outputs.azureManagedIdentityEndpoint)
        #expect(endpoint.listen.description == InjectionLayout.azureEndpointListen)
        #expect(endpoint.secret == Self.secret)
        let source = target.source ?? configuration.source
        #expect(source == .tokenFile(path: InjectionLayout.azureTokenPath))
    }

    @Test("every agent configuration in the golden patches parses with the agent's parser")
    func goldenConfigurationsParse() throws {
        for name in GoldenPatchTests.cases {
            let url = GoldenPatchTests.fixtureDirectory.appendingPathComponent("\(name).expected.json")
            let text = try String(contentsOf: url, encoding: .utf8)
            let expected = try JSONValue(parsing: Array(text.utf8))
            for operation in expected["patch"]?.arrayValue ?? [] {
                let value = operation["value"]
                let containers = value?.arrayValue ?? (value.map { [$0] } ?? [])
                for container in containers {
                    for env in container["env"]?.arrayValue ?? [] where env["name"] == "SKYFERRY_CONFIG_YAML" {
                        let yaml = try #require(env["value"]?.stringValue)
                        #expect(throws: Never.self, "\(name)") {
                            try ConfigurationParser().parse(yaml, origin: name)
                        }
                    }
                }
            }
        }
    }
}
