import FoundationEssentials
import SFCore
import SFOutputs
import Testing

/// What the Azure outputs write for a refresh: the assertion, the chosen resource's token, nothing for the endpoint.
struct AzureOutputPlanTests {
    static let azure = AzureTargetConfiguration(
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        clientId: "11111111-2222-3333-4444-555555555555",
        resources: ["https://storage.azure.com", "https://vault.azure.net/.default"]
    )

    static func token(_ resource: String, _ value: String) -> AzureAccessToken {
        AzureAccessToken(token: value, expiration: Date(timeIntervalSince1970: 5000), resource: resource, clientId: "c")
    }

    static let outcome = ExchangeOutcome(
        credentials: .azure(
            AzureAccessTokens(
                tokens: [
                    "https://storage.azure.com": token("https://storage.azure.com", "storage-token"),
                    "https://vault.azure.net": token("https://vault.azure.net", "vault-token"),
                ],
                assertion: "aa.bb.cc",
                assertionExpiration: Date(timeIntervalSince1970: 4000)
            )
        ),
        identity: .token(IdentityToken(value: "aa.bb.cc", claims: JWTClaims()))
    )

    static func target(_ outputs: OutputsConfiguration) -> TargetConfiguration {
        TargetConfiguration(name: "blob", provider: .azure(azure), outputs: outputs)
    }

    @Test("the assertion first, then the token of the output's resource (a /.default scope names the same)")
    func files() throws {
        let target = Self.target(
            OutputsConfiguration(
                azureManagedIdentityEndpoint: .init(
                    listen: try #require(ListenAddress("127.0.0.1:8087")),
                    secretFile: "/o/s"
                ),
                azureFederatedTokenFile: .init(path: "/o/assertion", mode: 0o640),
                azureAccessTokenFile: .init(path: "/o/vault", resource: "https://vault.azure.net/.default")
            )
        )
        let files = OutputPlan.files(for: target, source: .tokenFile(path: "/t"), outcome: Self.outcome)
        #expect(
            files == [
                FileWrite(
                    path: "/o/assertion",
                    contents: Array("aa.bb.cc".utf8),
                    mode: 0o640,
                    output: .azureFederatedTokenFile
                ),
                FileWrite(
                    path: "/o/vault",
                    contents: Array("vault-token".utf8),
                    mode: 0o600,
                    output: .azureAccessTokenFile
                ),
            ]
        )
        #expect(OutputPlan.paths(for: target) == ["/o/assertion", "/o/vault", "/o/s"])
        #expect(Self.outcome.expiration(for: target.outputs) == Date(timeIntervalSince1970: 4000))
    }

    @Test("without a resource, the access-token file holds the first of resources")
    func defaultResource() {
        let target = Self.target(OutputsConfiguration(azureAccessTokenFile: .init(path: "/o/t")))
        let files = OutputPlan.files(for: target, source: .tokenFile(path: "/t"), outcome: Self.outcome)
        #expect(files.map(\.contents) == [Array("storage-token".utf8)])
        #expect(Self.outcome.expiration(for: target.outputs) == Date(timeIntervalSince1970: 5000))
    }
}
