import SFConfiguration
import SFCore
import Testing

/// `targets[].azure` and the Azure outputs: parsed values and the exact messages of every refusal.
struct ConfigurationAzureTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let client = "11111111-2222-3333-4444-555555555555"

    static func parse(_ yaml: String) throws -> AgentConfiguration {
        try ConfigurationParser().parse(yaml, origin: "c.yaml")
    }

    static func rejection(_ yaml: String) -> String {
        ConfigurationParserTests.rejection(yaml)
    }

    /// A document with one Azure target: `azure` (more keys of `targets[0].azure`) and `outputs`, one key per
    /// line without indentation. `outputs` starts on line 9 with no `azure` lines.
    static func document(source: String = "tokenFile: /t", azure: String = "", outputs: String) -> String {
        func indented(_ text: String) -> [String] {
            text.split(separator: "\n").map { "      " + $0 }
        }
        let lines =
            [
                "source:", "  " + source, "targets:", "  - name: blob", "    azure:", "      tenantId: \(tenant)",
                "      clientId: \(client)",
            ] + indented(azure) + ["    outputs:"] + indented(outputs)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("every key of targets[].azure and the three outputs parse into typed values")
    func full() throws {
        let yaml = Self.document(
            azure: """
                cloud: usgov
                authorityHost: https://127.0.0.1:8443/
                resources: [https://storage.azure.com, "https://vault.azure.net/.default"]
                audience: api://custom
                """,
            outputs: """
                azureManagedIdentityEndpoint:
                  listen: 127.0.0.1:8087
                  secretFile: /run/skyferry/identity-header
                  secretFileMode: "0640"
                  imdsPath: true
                azureFederatedTokenFile: {path: /run/skyferry/azure-token, mode: "0640"}
                azureAccessTokenFile: {path: /run/skyferry/vault-token, resource: https://vault.azure.net}
                """
        )
        let target = try #require(try Self.parse(yaml).targets.first)
        #expect(
            target.provider
                == .azure(
                    AzureTargetConfiguration(
                        tenantId: Self.tenant,
                        clientId: Self.client,
                        cloud: .usgov,
                        authorityHost: Endpoint(scheme: .https, host: "127.0.0.1", port: 8443),
                        resources: ["https://storage.azure.com", "https://vault.azure.net/.default"],
                        audience: "api://custom"
                    )
                )
        )
        #expect(
            target.outputs
                == OutputsConfiguration(
                    azureManagedIdentityEndpoint: AzureManagedIdentityEndpointOutputConfiguration(
                        listen: try #require(ListenAddress("127.0.0.1:8087")),
                        secretFile: "/run/skyferry/identity-header",
                        secretFileMode: 0o640,
                        imdsPath: true
                    ),
                    azureFederatedTokenFile: TokenFileOutputConfiguration(
                        path: "/run/skyferry/azure-token",
                        mode: 0o640
                    ),
                    azureAccessTokenFile: AzureAccessTokenFileOutputConfiguration(
                        path: "/run/skyferry/vault-token",
                        resource: "https://vault.azure.net"
                    )
                )
        )
        #expect(
            target.outputs.kinds == [.azureManagedIdentityEndpoint, .azureFederatedTokenFile, .azureAccessTokenFile]
        )
        #expect(
            target.outputs.filePaths.map(\.key) == [
                "azureManagedIdentityEndpoint.secretFile", "azureFederatedTokenFile.path", "azureAccessTokenFile.path",
            ]
        )
        #expect(target.outputs.listenAddresses.map(\.key) == ["azureManagedIdentityEndpoint.listen"])
    }

    @Test("defaults: public cloud, no resources, the cloud's audience, a token file alone")
    func defaults() throws {
        let yaml = Self.document(outputs: "azureFederatedTokenFile: {path: /out/token}")
        let target = try #require(try Self.parse(yaml).targets.first)
        guard case .azure(let azure) = target.provider else {
            Issue.record("not an azure target")
            return
        }
        #expect(azure == AzureTargetConfiguration(tenantId: Self.tenant, clientId: Self.client))
        #expect(azure.resolvedAudience == "api://AzureADTokenExchange")
        #expect(azure.tokenEndpoint.url == "https://login.microsoftonline.com/\(Self.tenant)/oauth2/v2.0/token")
        #expect(target.outputs.azureFederatedTokenFile == TokenFileOutputConfiguration(path: "/out/token", mode: 0o600))
    }

    @Test("a domain name is a tenant; the access-token file defaults to the first resource")
    func domainTenantAndDefaultResource() throws {
        let yaml = """
            source: {tokenFile: /t}
            targets:
              - name: blob
                azure:
                  tenantId: contoso.onmicrosoft.com
                  clientId: \(Self.client)
                  resources: ["https://storage.azure.com/.default", api://skyferry]
                outputs:
                  azureAccessTokenFile: {path: /out/at}
                  azureManagedIdentityEndpoint: {listen: "[::1]:8087", secret: abcdefghijklmnop0123456789-._~+/=}
            """
        let target = try #require(try Self.parse(yaml).targets.first)
        guard case .azure(let azure) = target.provider, let output = target.outputs.azureAccessTokenFile else {
            Issue.record("not an azure target with azureAccessTokenFile")
            return
        }
        #expect(azure.tenantId == "contoso.onmicrosoft.com")
        #expect(azure.accessTokenResource(for: output) == "https://storage.azure.com")
        #expect(azure.bareResources == ["https://storage.azure.com", "api://skyferry"])
        #expect(target.outputs.azureManagedIdentityEndpoint?.secret == "abcdefghijklmnop0123456789-._~+/=")
        #expect(target.outputs.azureManagedIdentityEndpoint?.secretFile == nil)
        #expect(target.outputs.mode(of: .azureManagedIdentityEndpoint) == nil)
    }

    @Test("tenantId, clientId, cloud and an unknown key are refused with what is expected")
    func badIdentifiers() {
        let yaml = """
            source: {tokenFile: /t}
            targets:
              - name: blob
                azure:
                  tenantId: common
                  clientId: my-app
                  cloud: germany
                  resource: [https://storage.azure.com]
                outputs:
                  azureFederatedTokenFile: {path: /out/t}
            """
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (4 problems):
                  - targets[0].azure.resource (line 8): unknown key (did you mean "resources"?); expected one of: \
                tenantId, clientId, cloud, authorityHost, resources, audience
                  - targets[0].azure.tenantId (line 5): "common" is a multi-tenant alias, which the \
                client-credentials grant does not accept; use the directory (tenant) id, a GUID such as \
                72f988bf-86f1-41af-91ab-2d7cd011db47
                  - targets[0].azure.clientId (line 6): "my-app" is not a client id (expected the application \
                (client) id of the app registration or user-assigned managed identity, a GUID such as \
                00000000-0000-0000-0000-000000000000)
                  - targets[0].azure.cloud (line 7): "germany" is not an Azure cloud (expected one of: public, \
                usgov, china; for another cloud set authorityHost and audience)
                """
        )
    }

    @Test("tenantId must be a GUID or a domain; a missing clientId is named")
    func tenantShapes() {
        let yaml = """
            source: {tokenFile: /t}
            targets: [{name: b, azure: {tenantId: "not a tenant"}, outputs: {azureFederatedTokenFile: {path: /o}}}]
            """
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].azure.tenantId (line 2): "not a tenant" is not a tenant (expected the directory \
                (tenant) id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or a verified domain such as \
                contoso.onmicrosoft.com)
                  - targets[0].azure.clientId (line 2): required key is missing
                """
        )
    }

    @Test("authorityHost follows the endpoint rules: plain http only to loopback")
    func authorityHost() {
        let yaml = Self.document(
            azure: "authorityHost: http://login.example.com",
            outputs: "azureFederatedTokenFile: {path: /o}"
        )
        #expect(Self.rejection(yaml).contains("targets[0].azure.authorityHost (line 8): "))
        #expect(Self.rejection(yaml).contains("http://"))
    }

    @Test("resources: a list of distinct application ID URIs, at most 20")
    func resources() {
        let bad = Self.document(
            azure: "resources: [https://storage.azure.com, 'storage', 'https://storage.azure.com/.default']",
            outputs: "azureFederatedTokenFile: {path: /o}"
        )
        #expect(
            Self.rejection(bad) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].azure.resources[1] (line 8): "storage" is not a resource (expected an application ID \
                URI such as https://storage.azure.com or api://my-api, or an application id; printable ASCII without \
                spaces)
                  - targets[0].azure.resources[2] (line 8): "https://storage.azure.com/.default" is the same \
                resource as targets[0].azure.resources[0]
                """
        )
        let many = (0...20).map { "api://r\($0)" }.joined(separator: ", ")
        #expect(
            Self.rejection(
                Self.document(azure: "resources: [\(many)]", outputs: "azureFederatedTokenFile: {path: /o}")
            ) == """
                configuration file c.yaml is invalid: targets[0].azure.resources (line 8): 21 resources; at most 20 \
                are fetched at every refresh (the managed-identity endpoint fetches any other on its first request)
                """
        )
        #expect(
            Self.rejection(
                Self.document(
                    azure: "resources: https://storage.azure.com",
                    outputs: "azureFederatedTokenFile: {path: /o}"
                )
            ) == """
                configuration file c.yaml is invalid: targets[0].azure.resources (line 8): expected a list of \
                application ID URIs such as [https://storage.azure.com], found a scalar
                """
        )
    }

    @Test("azureAccessTokenFile needs resources, and its resource must be one of them")
    func accessTokenFileResource() {
        #expect(
            Self.rejection(Self.document(outputs: "azureAccessTokenFile: {path: /o}")) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureAccessTokenFile (line 9): \
                azureAccessTokenFile writes a token fetched at every refresh, but targets[0].azure.resources is \
                empty; list the resource there (e.g. resources: ["https://storage.azure.com"])
                """
        )
        let yaml = Self.document(
            azure: "resources: [https://storage.azure.com]",
            outputs: "azureAccessTokenFile: {path: /o, resource: https://vault.azure.net}"
        )
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureAccessTokenFile.resource (line 10): \
                "https://vault.azure.net" is not in targets[0].azure.resources (https://storage.azure.com); add it \
                there, since only those are fetched at every refresh
                """
        )
    }

    @Test("the managed-identity endpoint: one of secretFile and secret, a strong secret, loopback only")
    func managedIdentityEndpoint() {
        func output(_ body: String) -> String {
            Self.document(outputs: "azureManagedIdentityEndpoint: \(body)")
        }
        #expect(
            Self.rejection(output("{listen: 127.0.0.1:8087}")) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureManagedIdentityEndpoint (line 9): one \
                of secretFile (the agent makes a random secret at start and writes it there, for IDENTITY_HEADER) or \
                secret (a secret given here) is required
                """
        )
        #expect(
            Self.rejection(output("{listen: 127.0.0.1:8087, secretFile: /s, secret: abcdefghijklmnopq}")) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureManagedIdentityEndpoint.secret \
                (line 9): secret and secretFile exclude each other; set one
                """
        )
        #expect(
            Self.rejection(output("{listen: 127.0.0.1:8087, secret: 'short secret'}")) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureManagedIdentityEndpoint.secret \
                (line 9): the secret must be 16-512 letters, digits or -._~+/= (it is sent in the X-IDENTITY-HEADER \
                header); this one is 12 characters and has others
                """
        )
        #expect(
            Self.rejection(output("{listen: 127.0.0.1:8087, secret: abcdefghijklmnopq, secretFileMode: '0600'}"))
                == """
                configuration file c.yaml is invalid: targets[0].outputs.azureManagedIdentityEndpoint.secretFileMode \
                (line 9): secretFileMode applies only with secretFile
                """
        )
        #expect(
            Self.rejection(output("{listen: 0.0.0.0:8087, secretFile: /s, imdsPath: yes}")) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].outputs.azureManagedIdentityEndpoint.listen (line 9): 0.0.0.0:8087 is not a loopback \
                address; this server hands out credentials or their state and must listen on 127.0.0.1, ::1 or \
                localhost
                  - targets[0].outputs.azureManagedIdentityEndpoint.imdsPath (line 9): expected true or false (true \
                also serves /metadata/identity/oauth2/token to any local process that sends Metadata: true)
                """
        )
        #expect(
            Self.rejection(output("{listen: 127.0.0.1:8087, secretFile: /s, secretFileMode: '0644'}")).contains(
                "mode 0644 gives other users access to credentials"
            )
        )
    }

    @Test("Azure outputs only on Azure targets, and other outputs not on them")
    func outputsMatchProvider() {
        #expect(
            Self.rejection(Self.document(outputs: "gcpAccessTokenFile: {path: /o}")) == """
                configuration file c.yaml is invalid: targets[0].outputs.gcpAccessTokenFile (line 9): output \
                gcpAccessTokenFile hands over gcp credentials, but this target's provider is azure
                """
        )
        let yaml = """
            source: {tokenFile: /t}
            targets:
              - name: s3
                aws: {roleArn: "arn:aws:iam::123456789012:role/r"}
                outputs: {azureFederatedTokenFile: {path: /o}}
            """
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid: targets[0].outputs.azureFederatedTokenFile (line 5): output \
                azureFederatedTokenFile hands over azure credentials, but this target's provider is aws
                """
        )
    }

    @Test("a gcpMetadata source must request the audience Entra expects, and the message says what to set")
    func gcpMetadataAudience() throws {
        let wrong = Self.document(
            source: "gcpMetadata: {audience: https://sts.amazonaws.com}",
            outputs: "azureFederatedTokenFile: {path: /o}"
        )
        #expect(
            Self.rejection(wrong) == """
                configuration file c.yaml is invalid: source.gcpMetadata.audience (line 6): the gcpMetadata source \
                requests Google ID tokens for "https://sts.amazonaws.com", but target targets[0] presents them to \
                Entra ID as assertions for "api://AzureADTokenExchange" (the default for cloud public); set \
                source.gcpMetadata.audience: "api://AzureADTokenExchange" (with a target's own source if other \
                targets need another audience), or set targets[0].azure.audience to the federated identity \
                credential's audience
                """
        )
        let china = Self.document(
            source: "gcpMetadata: {audience: api://AzureADTokenExchangeChina}",
            azure: "cloud: china",
            outputs: "azureFederatedTokenFile: {path: /o}"
        )
        #expect(try Self.parse(china).targets.count == 1)
        let own = """
            source: {tokenFile: /t}
            targets:
              - name: blob
                source: {gcpMetadata: {audience: api://x}}
                azure: {tenantId: \(Self.tenant), clientId: \(Self.client), audience: api://y}
                outputs: {azureFederatedTokenFile: {path: /o}}
            """
        #expect(Self.rejection(own).contains("targets[0].source.gcpMetadata.audience (line 5): "))
        #expect(Self.rejection(own).contains("(targets[0].azure.audience)"))
    }

    @Test("an aws source feeds an Azure target (GetWebIdentityToken)")
    func awsSource() throws {
        let yaml = Self.document(source: "aws: {region: eu-west-1}", outputs: "azureFederatedTokenFile: {path: /o}")
        let configuration = try Self.parse(yaml)
        #expect(configuration.source == .aws(AWSSourceConfiguration(region: "eu-west-1")))
    }

    @Test("a listen address shared with another server is refused")
    func listenShared() {
        let yaml =
            Self.document(
                outputs: "azureManagedIdentityEndpoint: {listen: 127.0.0.1:8686, secretFile: /s}"
            ) + "\nhealth: {listen: 127.0.0.1:8686}\n"
        #expect(
            Self.rejection(yaml).contains(
                "targets[0].outputs.azureManagedIdentityEndpoint.listen (line 4): 127.0.0.1:8686 is also used by "
                    + "health.listen; each server needs its own address"
            )
        )
    }
}
