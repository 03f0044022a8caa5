import Foundation
import SFCore
import SFOutputs
import Testing

/// `gcpExternalAccountFile` with the `azureManagedIdentity` source: on a VM the libraries ask IMDS themselves
/// (as `gcloud … create-cred-config --azure` writes it); on App Service they read the agent's subject-token file.
struct ExternalAccountAzureTests {
    static let target = TargetConfiguration(
        name: "gcs",
        provider: .gcp(GCPTargetConfiguration(audience: ExternalAccountRendererTests.audience)),
        outputs: OutputsConfiguration(
            gcpExternalAccountFile: ExternalAccountFileOutputConfiguration(
                path: "/out/gcp.json",
                subjectTokenPath: "/out/gcp.json.subject-token"
            )
        )
    )
    static let outcome = ExchangeOutcome(
        credentials: .gcp(
            GCPAccessToken(token: "ya29", expiration: Date(timeIntervalSince1970: 0), subjectToken: "jwt")
        ),
        identity: .aws(
            AWSCredentials(
                accessKeyID: "a",
                secretAccessKey: "b",
                sessionToken: "c",
                expiration: Date(timeIntervalSince1970: 0)
            ),
            region: "x"
        )
    )

    @Test("golden: an IMDS url credential source with the Metadata header and the access_token field")
    func imds() throws {
        let source = SourceConfiguration.azureManagedIdentity(
            AzureManagedIdentitySourceConfiguration(
                resource: "api://skyferry-gcp",
                clientId: "0f0e0d0c-0b0a-0908-0706-050403020100",
                endpoint: AzureManagedIdentitySourceConfiguration.defaultEndpoint
            )
        )
        let files = OutputPlan.files(for: Self.target, source: source, outcome: Self.outcome)
        #expect(files.map(\.path) == ["/out/gcp.json"], "no subject-token file: IMDS is the source")
        #expect(
            String(decoding: try #require(files.first).contents, as: UTF8.self) == """
                {
                  "type": "external_account",
                  "audience": \
                "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s",
                  "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                  "token_url": "https://sts.googleapis.com/v1/token",
                  "credential_source": {"url": "http://169.254.169.254/metadata/identity/oauth2/token?\
                api-version=2018-02-01&resource=api%3A%2F%2Fskyferry-gcp&client_id=\
                0f0e0d0c-0b0a-0908-0706-050403020100", "headers": {"Metadata": "True"}, "format": \
                {"type": "json", "subject_token_field_name": "access_token"}},
                  "universe_domain": "googleapis.com"
                }

                """
        )
    }

    @Test("the App Service endpoint (no IMDS address after resolution) gets the subject-token file")
    func appService() throws {
        let configuration = AgentConfiguration(
            source: .azureManagedIdentity(AzureManagedIdentitySourceConfiguration(resource: "api://a")),
            targets: [Self.target]
        )
        let onVM = configuration.resolvingAzureEndpoints(environment: [:])
        #expect(
            onVM.source
                == .azureManagedIdentity(
                    AzureManagedIdentitySourceConfiguration(
                        resource: "api://a",
                        endpoint: AzureManagedIdentitySourceConfiguration.defaultEndpoint
                    )
                )
        )
        let onAppService = configuration.resolvingAzureEndpoints(
            environment: ["IDENTITY_ENDPOINT": "http://127.0.0.1:41741/msi/token", "IDENTITY_HEADER": "h"]
        )
        #expect(onAppService == configuration)
        let files = OutputPlan.files(for: Self.target, source: onAppService.source, outcome: Self.outcome)
        #expect(files.map(\.path) == ["/out/gcp.json.subject-token", "/out/gcp.json"])
        #expect(
            String(decoding: try #require(files.last).contents, as: UTF8.self).contains(
                #""credential_source": {"file": "/out/gcp.json.subject-token", "format": {"type": "text"}}"#
            )
        )
    }
}
