import FoundationEssentials
import SFCore
import Testing

/// Azure's value rules, the Azure credentials' expiry and their cache key.
struct AzureValuesTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let client = "11111111-2222-3333-4444-555555555555"

    @Test("GUIDs, tenant domains, resources, audiences and secrets")
    func names() {
        #expect(AzureNames.isGUID(Self.tenant))
        #expect(AzureNames.isGUID("ABCDEF01-2345-6789-abcd-ef0123456789"))
        #expect(!AzureNames.isGUID("72f988bf-86f1-41af-91ab-2d7cd011db4"))
        #expect(!AzureNames.isGUID("72f988bf86f141af91ab2d7cd011db47"))
        #expect(!AzureNames.isGUID("g2f988bf-86f1-41af-91ab-2d7cd011db47"))
        #expect(AzureNames.tenantIdProblem("contoso.onmicrosoft.com") == nil)
        #expect(AzureNames.tenantIdProblem("contoso") != nil)
        #expect(AzureNames.tenantIdProblem("-a.com") != nil)
        #expect(AzureNames.clientIdProblem(Self.client) == nil)
        #expect(AzureNames.resourceProblem("https://storage.azure.com") == nil)
        #expect(AzureNames.resourceProblem("https://management.core.windows.net/") == nil)
        #expect(AzureNames.resourceProblem("api://skyferry/.default") == nil)
        #expect(AzureNames.resourceProblem(Self.client) == nil)
        #expect(AzureNames.resourceProblem("storage.azure.com") != nil)
        #expect(AzureNames.resourceProblem("https://") != nil)
        #expect(AzureNames.resourceProblem("https://a b") != nil)
        #expect(AzureNames.audienceProblem("api://AzureADTokenExchange") == nil)
        #expect(AzureNames.audienceProblem(String(repeating: "a", count: 601)) != nil)
        #expect(AzureNames.secretProblem("abcdefghijklmnop") == nil)
        #expect(AzureNames.secretProblem("abcdefghijklmno") != nil)
        #expect(AzureNames.secretProblem("abcdefghijklmnop\n") != nil)
        #expect(AzureNames.bareResource("https://vault.azure.net/.default") == "https://vault.azure.net")
        #expect(AzureNames.bareResource("https://vault.azure.net") == "https://vault.azure.net")
    }

    static func token(_ resource: String, _ seconds: Double) -> AzureAccessToken {
        AzureAccessToken(
            token: "t",
            expiration: Date(timeIntervalSince1970: seconds),
            resource: resource,
            clientId: "c"
        )
    }

    @Test("Azure credentials expire with their earliest token; the assertion counts only when handed over")
    func expiration() {
        let tokens = AzureAccessTokens(
            tokens: ["https://a": Self.token("https://a", 5000), "https://b": Self.token("https://b", 4000)],
            assertion: "x.y.z",
            assertionExpiration: Date(timeIntervalSince1970: 3000)
        )
        let credentials = IssuedCredentials.azure(tokens)
        #expect(credentials.expiration == Date(timeIntervalSince1970: 4000))
        let outcome = ExchangeOutcome(credentials: credentials, identity: .aws(Self.aws, region: "eu-west-1"))
        #expect(outcome.expiration(for: OutputsConfiguration()) == Date(timeIntervalSince1970: 4000))
        let handedOver = OutputsConfiguration(azureFederatedTokenFile: .init(path: "/o"))
        #expect(outcome.expiration(for: handedOver) == Date(timeIntervalSince1970: 3000))
        let assertionOnly = IssuedCredentials.azure(
            AzureAccessTokens(tokens: [:], assertion: "x.y.z", assertionExpiration: Date(timeIntervalSince1970: 3000))
        )
        #expect(assertionOnly.expiration == Date(timeIntervalSince1970: 3000))
        #expect(!credentials.description.contains("x.y.z"))
    }

    static let aws = AWSCredentials(
        accessKeyID: "AKIA",
        secretAccessKey: "s",
        sessionToken: "",
        expiration: Date(timeIntervalSince1970: 9000)
    )

    @Test("the cache key covers tenant, client, cloud, authority, resources and audience")
    func cacheKey() {
        let target = TargetConfiguration(
            name: "blob",
            provider: .azure(AzureTargetConfiguration(tenantId: Self.tenant, clientId: Self.client)),
            outputs: OutputsConfiguration()
        )
        #expect(
            CredentialCacheKey.canonical(target: target, source: .tokenFile(path: "/t")) == """
                version="skyferry-credential-process-cache-v2"
                target.name="blob"
                source="tokenFile"
                source.tokenFile="/t"
                provider="azure"
                azure.tenantId="\(Self.tenant)"
                azure.clientId="\(Self.client)"
                azure.cloud="public"
                azure.authorityHost=null
                azure.resources=""
                azure.audience=null

                """
        )
        func azure(_ change: (inout AzureTargetConfiguration) -> Void) -> TargetConfiguration {
            var configuration = AzureTargetConfiguration(tenantId: Self.tenant, clientId: Self.client)
            change(&configuration)
            var copy = target
            copy.provider = .azure(configuration)
            return copy
        }
        let variants = [
            target,
            azure { $0.tenantId = "contoso.onmicrosoft.com" },
            azure { $0.clientId = "22222222-2222-3333-4444-555555555555" },
            azure { $0.cloud = .usgov },
            azure { $0.authorityHost = Endpoint(scheme: .https, host: "login.example") },
            azure { $0.resources = ["https://storage.azure.com"] },
            azure { $0.resources = ["https://storage.azure.com", "https://vault.azure.net"] },
            azure { $0.audience = "api://other" },
        ]
        let keys = variants.map { CredentialCacheKey.canonical(target: $0, source: .tokenFile(path: "/t")) }
        #expect(Set(keys).count == variants.count)
    }
}
