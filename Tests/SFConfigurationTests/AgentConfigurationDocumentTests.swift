import SFConfiguration
import SFCore
import Testing

/// Generated configurations must read back, through the agent's own parser, as exactly what was written.
struct AgentConfigurationDocumentTests {
    static let arn = "arn:aws:iam::123456789012:role/reader"
    static let provider =
        "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/p/providers/q"

    @Test("the text: quoted scalars, keys in the agent's order")
    func text() {
        let document = AgentConfigurationDocument(
            comment: "Generated.",
            source: .tokenFile(path: "/t/aws"),
            targets: [
                .init(
                    name: "aws",
                    provider: .aws(roleArn: Self.arn, region: "eu-west-1"),
                    outputs: [
                        .awsContainerEndpoint(
                            listen: "127.0.0.1:9911",
                            authTokenFile: "/o/tok",
                            authTokenFileMode: "0640"
                        )
                    ]
                ),
                .init(
                    name: "gcp",
                    source: .tokenFile(path: "/t/gcp"),
                    provider: .gcp(audience: Self.provider, serviceAccount: nil),
                    outputs: [.gcpMetadataServer(listen: "127.0.0.1:8989")]
                ),
            ],
            healthListen: "127.0.0.1:8686"
        )
        #expect(
            document.yaml == """
                # Generated.
                source:
                  tokenFile: "/t/aws"
                targets:
                  - name: "aws"
                    aws:
                      roleArn: "\(Self.arn)"
                      region: "eu-west-1"
                    outputs:
                      awsContainerEndpoint:
                        listen: "127.0.0.1:9911"
                        authTokenFile: "/o/tok"
                        authTokenFileMode: "0640"
                  - name: "gcp"
                    source:
                      tokenFile: "/t/gcp"
                    gcp:
                      audience: "\(Self.provider)"
                    outputs:
                      gcpMetadataServer:
                        listen: "127.0.0.1:8989"
                health:
                  listen: "127.0.0.1:8686"

                """
        )
    }

    @Test("every source, provider and output reads back with its values")
    func roundTrip() throws {
        let sources: [AgentConfigurationDocument.Source] = [
            .tokenFile(path: "/var/run/secrets/token"),
            .gcpMetadata(audience: "sts.amazonaws.com", serviceAccount: "reader@p.iam.gserviceaccount.com"),
            .gcpMetadata(audience: "sts.amazonaws.com", serviceAccount: nil),
        ]
        for source in sources {
            let document = AgentConfigurationDocument(
                source: source,
                targets: [
                    .init(
                        name: "files",
                        provider: .aws(roleArn: Self.arn, region: nil),
                        outputs: [.awsCredentialsFile(path: "/o/credentials", mode: "0600")]
                    )
                ]
            )
            let parsed = try ConfigurationParser().parse(document.yaml, origin: "generated")
            switch (source, parsed.source) {
            case (.tokenFile(let written), .tokenFile(let read)):
                #expect(written == read)
            case (.gcpMetadata(let audience, let account), .gcpMetadata(let read)):
                #expect(read.audience == audience && read.serviceAccount == account ?? "default")
            default:
                Issue.record("source \(source) read back as \(parsed.source)")
            }
            #expect(parsed.targets.first?.outputs.awsCredentialsFile?.path == "/o/credentials")
            #expect(parsed.targets.first?.outputs.awsCredentialsFile?.mode == 0o600)
        }

        for region in ["us-east-1", nil] {
            let document = AgentConfigurationDocument(
                source: .aws(region: region),
                targets: [
                    .init(
                        name: "gcp",
                        provider: .gcp(audience: Self.provider, serviceAccount: "w@p.iam.gserviceaccount.com"),
                        outputs: [.gcpExternalAccountFile(path: "/o/ext.json", mode: nil)]
                    )
                ]
            )
            let parsed = try ConfigurationParser().parse(document.yaml, origin: "generated")
            guard case .aws(let aws) = parsed.source else {
                Issue.record("source read back as \(parsed.source)")
                continue
            }
            #expect(aws.region == region)
            guard case .gcp(let gcp) = parsed.targets.first?.provider else {
                Issue.record("provider")
                continue
            }
            #expect(gcp.audience == Self.provider && gcp.serviceAccount == "w@p.iam.gserviceaccount.com")
            #expect(parsed.targets.first?.outputs.gcpExternalAccountFile?.path == "/o/ext.json")
        }
    }

    @Test("strings YAML would reinterpret stay strings")
    func quoting() throws {
        let document = AgentConfigurationDocument(
            source: .tokenFile(path: "yes"),
            targets: [
                .init(
                    name: "0640",
                    provider: .aws(roleArn: Self.arn, region: nil),
                    outputs: [.awsCredentialsFile(path: "/o/#x: y", mode: nil)]
                )
            ]
        )
        let parsed = try ConfigurationParser().parse(document.yaml, origin: "generated")
        #expect(parsed.source == .tokenFile(path: "yes"))
        #expect(parsed.targets.first?.name == "0640")
        #expect(parsed.targets.first?.outputs.awsCredentialsFile?.path == "/o/#x: y")
    }

    @Test("an Azure target and its three outputs read back as written")
    func azure() throws {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        let client = "11111111-2222-3333-4444-555555555555"
        let document = AgentConfigurationDocument(
            source: .gcpMetadata(audience: "api://AzureADTokenExchangeUSGov", serviceAccount: nil),
            targets: [
                .init(
                    name: "blob",
                    provider: .azure(
                        tenantId: tenant,
                        clientId: client,
                        cloud: "usgov",
                        authorityHost: nil,
                        resources: ["https://storage.azure.com", "https://vault.azure.net"],
                        audience: nil
                    ),
                    outputs: [
                        .azureManagedIdentityEndpoint(
                            listen: "127.0.0.1:8087",
                            secretFile: nil,
                            secretFileMode: nil,
                            secret: "abcdefghijklmnopqrstuvwxyz012345",
                            imdsPath: true
                        ),
                        .azureFederatedTokenFile(path: "/o/assertion", mode: "0640"),
                        .azureAccessTokenFile(path: "/o/vault", resource: "https://vault.azure.net", mode: nil),
                    ]
                )
            ]
        )
        #expect(
            document.yaml == """
                source:
                  gcpMetadata:
                    audience: "api://AzureADTokenExchangeUSGov"
                targets:
                  - name: "blob"
                    azure:
                      tenantId: "\(tenant)"
                      clientId: "\(client)"
                      cloud: "usgov"
                      resources: ["https://storage.azure.com", "https://vault.azure.net"]
                    outputs:
                      azureManagedIdentityEndpoint:
                        listen: "127.0.0.1:8087"
                        secret: "abcdefghijklmnopqrstuvwxyz012345"
                        imdsPath: true
                      azureFederatedTokenFile:
                        path: "/o/assertion"
                        mode: "0640"
                      azureAccessTokenFile:
                        path: "/o/vault"
                        resource: "https://vault.azure.net"

                """
        )
        let parsed = try ConfigurationParser().parse(document.yaml, origin: "generated")
        let target = try #require(parsed.targets.first)
        #expect(
            target.provider
                == .azure(
                    AzureTargetConfiguration(
                        tenantId: tenant,
                        clientId: client,
                        cloud: .usgov,
                        resources: ["https://storage.azure.com", "https://vault.azure.net"]
                    )
                )
        )
        #expect(target.outputs.azureManagedIdentityEndpoint?.secret == "abcdefghijklmnopqrstuvwxyz012345")
        #expect(target.outputs.azureManagedIdentityEndpoint?.imdsPath == true)
        #expect(
            target.outputs.azureFederatedTokenFile == TokenFileOutputConfiguration(path: "/o/assertion", mode: 0o640)
        )
        #expect(target.outputs.azureAccessTokenFile?.resource == "https://vault.azure.net")
    }
}
