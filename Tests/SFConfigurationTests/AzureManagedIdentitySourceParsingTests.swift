import SFConfiguration
import SFCore
import Testing

/// `source.azureManagedIdentity`: keys, validation and the endpoint rules.
struct AzureManagedIdentitySourceParsingTests {
    static func yaml(_ source: String) -> String {
        """
        source:
          azureManagedIdentity: \(source)
        targets:
          - name: s3
            aws:
              roleArn: arn:aws:iam::123456789012:role/reader
            outputs:
              awsCredentialsFile: {path: /out/credentials}
        """
    }

    static func rejection(_ source: String) -> String {
        do {
            let configuration = try ConfigurationParser().parse(yaml(source), origin: "c.yaml")
            return "accepted: \(configuration)"
        } catch {
            return error.description
        }
    }

    @Test("reads the resource, one identity, the endpoint and the startup wait")
    func full() throws {
        let configuration = try ConfigurationParser().parse(
            Self.yaml(
                "{resource: 'api://skyferry-aws', clientId: 0f0e0d0c-0b0a-0908-0706-050403020100, "
                    + "endpoint: 'http://127.0.0.1:8181', startupWaitSeconds: 5}"
            ),
            origin: "c.yaml"
        )
        #expect(
            configuration.source
                == .azureManagedIdentity(
                    AzureManagedIdentitySourceConfiguration(
                        resource: "api://skyferry-aws",
                        clientId: "0f0e0d0c-0b0a-0908-0706-050403020100",
                        endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 8181),
                        startupWaitSeconds: 5
                    )
                )
        )
        #expect(configuration.source.kind == "azureManagedIdentity")
        #expect(
            configuration.source.withoutStartupWait
                == .azureManagedIdentity(
                    AzureManagedIdentitySourceConfiguration(
                        resource: "api://skyferry-aws",
                        clientId: "0f0e0d0c-0b0a-0908-0706-050403020100",
                        endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 8181),
                        startupWaitSeconds: 0
                    )
                )
        )
    }

    @Test("accepts IMDS's own link-local address over plain HTTP")
    func imdsAddress() throws {
        let configuration = try ConfigurationParser().parse(
            Self.yaml("{resource: 'api://a', endpoint: 'http://169.254.169.254', resourceId: '/subscriptions/s/x'}"),
            origin: "c.yaml"
        )
        guard case .azureManagedIdentity(let source) = configuration.source else {
            Issue.record("not an Azure source")
            return
        }
        #expect(source.endpoint == AzureManagedIdentitySourceConfiguration.defaultEndpoint)
        #expect(source.resourceId == "/subscriptions/s/x")
        #expect(source.startupWaitSeconds == 30)
    }

    @Test("requires the resource and suggests near-miss keys")
    func missingResource() {
        let message = Self.rejection("{resouce: 'api://a'}")
        #expect(
            message.contains(
                """
                  - source.azureManagedIdentity.resouce (line 2): unknown key (did you mean "resource"?); expected \
                one of: resource, clientId, objectId, resourceId, endpoint, startupWaitSeconds
                """
            )
        )
        #expect(message.contains("source.azureManagedIdentity.resource (line 2): required key is missing"))
    }

    @Test("allows at most one identity selector, each in its own shape")
    func selectors() {
        let message = Self.rejection(
            "{resource: 'api://a', clientId: 'not-a-guid', objectId: 00000000-0000-0000-0000-000000000001}"
        )
        #expect(message.contains("at most one of clientId, objectId and resourceId"))
        #expect(message.contains("found clientId, objectId"))
        #expect(message.contains(#"clientId (line 2): "not-a-guid" is not a GUID"#))
        #expect(Self.rejection("{resource: 'api://a', resourceId: 'mi-name'}").contains("is not an ARM resource id"))
    }

    @Test("refuses plain HTTP to anything but loopback and metadata addresses")
    func plainHTTP() {
        #expect(
            Self.rejection("{resource: 'api://a', endpoint: 'http://imds.example.com'}").contains(
                "source.azureManagedIdentity.endpoint (line 2)"
            )
        )
        #expect(Self.rejection("{resource: 'api ://a'}").contains("is not an application ID URI"))
    }
}

/// `source.azureWorkloadIdentity`: every key, and Azure's rules for each value.
struct AzureWorkloadIdentitySourceParsingTests {
    static func parse(_ source: String) throws -> AgentConfiguration {
        try ConfigurationParser().parse(
            """
            source:
              azureWorkloadIdentity: \(source)
            targets:
              - name: gcs
                gcp:
                  audience: //iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/azure
                outputs:
                  gcpExternalAccountFile: {path: /out/credentials.json}
            """,
            origin: "c.yaml"
        )
    }

    @Test("reads the token file, tenant, client, resource and authority host")
    func full() throws {
        let configuration = try Self.parse(
            "{tokenFile: /var/run/secrets/azure/tokens/azure-identity-token, "
                + "tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47, clientId: 0f0e0d0c-0b0a-0908-0706-050403020100, "
                + "resource: 'api://skyferry-gcp', authorityHost: 'https://login.microsoftonline.us'}"
        )
        #expect(
            configuration.source
                == .azureWorkloadIdentity(
                    AzureWorkloadIdentitySourceConfiguration(
                        tokenFile: "/var/run/secrets/azure/tokens/azure-identity-token",
                        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        clientId: "0f0e0d0c-0b0a-0908-0706-050403020100",
                        resource: "api://skyferry-gcp",
                        authorityHost: Endpoint(scheme: .https, host: "login.microsoftonline.us")
                    )
                )
        )
        // The agent keeps a subject-token file fresh for Google's libraries.
        #expect(
            configuration.targets[0].outputs.gcpExternalAccountFile?.subjectTokenPath
                == "/out/credentials.json.subject-token"
        )
    }

    @Test("requires every key but the authority host and checks tenant and client ids")
    func invalid() {
        do {
            _ = try Self.parse("{tenantId: common, clientId: nope, resource: 'api://a'}")
            Issue.record("accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("source.azureWorkloadIdentity.tokenFile (line 2): required key is missing"))
            #expect(message.contains("is a multi-tenant alias"))
            #expect(message.contains(#""nope" is not a client id"#))
        }
    }
}
