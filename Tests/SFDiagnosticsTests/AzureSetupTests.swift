import Foundation
import SFConfiguration
import SFCore
import SFDiagnostics
import SFWebhook
import Testing

/// `skyferry setup azure`: exact issuer, subject and audience per source, and the pod settings.
struct AzureSetupTests {
    static func plan(_ name: String) throws -> SetupPlan {
        try #require(SetupScenarios.azure.first { $0.name == name }?.plan)
    }

    @Test("setup azure prints the golden script and JSON", arguments: SetupScenarios.azure.map(\.name))
    func golden(name: String) throws {
        let plan = try Self.plan(name)
        #expect(plan.text == (try SetupPlanTests.fixture("setup-\(name).txt", actual: plan.text)))
        #expect(plan.json == (try SetupPlanTests.fixture("setup-\(name).json", actual: plan.json)))
        _ = try SetupPlanTests.jsonObject(plan.json)
    }

    @Test("every printed configuration is one the agent accepts", arguments: SetupScenarios.azure.map(\.name))
    func configurationParses(name: String) throws {
        let configuration = try ConfigurationParser().parse(try Self.plan(name).configuration, origin: name)
        try configuration.checkEveryTargetHasOutputs()
        guard case .azure(let azure) = configuration.targets.first?.provider else {
            Issue.record("no azure target")
            return
        }
        #expect(azure.clientId == SetupScenarios.azureClient)
        #expect(configuration.targets.first?.outputs.azureManagedIdentityEndpoint?.secretFile != nil)
    }

    @Test("a cluster's credential: its issuer, system:serviceaccount:NS:SA and the cloud's audience")
    func kubernetes() throws {
        let plan = try Self.plan("azure-gke")
        #expect(plan.scenario == "gke-to-azure")
        #expect(
            plan.commands == [
                "az identity federated-credential create --name skyferry-shop-api --identity-name shop-api "
                    + "--resource-group shop --issuer "
                    + "https://container.googleapis.com/v1/projects/shop-prod/locations/europe-west1/clusters/main "
                    + "--subject system:serviceaccount:shop:api --audience api://AzureADTokenExchange",
                "az role assignment create --assignee \(SetupScenarios.azureClient) --role "
                    + "\"Storage Blob Data Reader\" --scope \(SetupScenarios.azureScope)",
            ]
        )
        #expect(plan.labels.map(\.key) == ["skyferry.dev/inject"])
        let annotations = Dictionary(uniqueKeysWithValues: plan.annotations.map { ($0.key, $0.value) })
        guard case .success(let request) = PodAnnotations.parse(annotations) else {
            Issue.record("the webhook refuses the printed annotations")
            return
        }
        #expect(request.azure?.clientId == SetupScenarios.azureClient)
        #expect(request.azure?.tenantId == SetupScenarios.azureTenant)
        #expect(plan.tokenVolume?.contains("audience: \"api://AzureADTokenExchange\"") == true)
    }

    @Test("an app registration gets the credential as a JSON document, issuer looked up for EKS")
    func application() throws {
        let plan = try Self.plan("azure-eks-app")
        let document = try #require(plan.documents.first)
        #expect(document.name == "skyferry-federated-credential.json")
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(document.content.replacingOccurrences(of: "${ISSUER_URL}", with: "https://x").utf8)
            ) as? [String: Any]
        )
        #expect(json["issuer"] as? String == "https://x")
        #expect(json["subject"] as? String == "system:serviceaccount:shop:api")
        #expect(json["audiences"] as? [String] == ["api://AzureADTokenExchange"])
        #expect(
            plan.commands.last
                == "az ad app federated-credential create --id \(SetupScenarios.azureClient) --parameters "
                + "skyferry-federated-credential.json"
        )
        #expect(plan.text.contains("cat > skyferry-federated-credential.json <<EOF\n"))
    }

    @Test("Google: issuer accounts.google.com, subject the numeric id; the agent asks metadata for that audience")
    func google() throws {
        let plan = try Self.plan("azure-google")
        #expect(
            plan.commands.first?.contains("--issuer https://accounts.google.com --subject 112233445566778899001 ")
                == true
        )
        #expect(plan.configuration.contains("gcpMetadata:\n    audience: \"api://AzureADTokenExchange\"\n"))
        #expect(plan.annotations.isEmpty && plan.labels.isEmpty)
    }

    @Test("AWS: outbound federation on, issuer looked up, subject the role ARN, a policy for one audience")
    func aws() throws {
        let plan = try Self.plan("azure-aws")
        #expect(
            Array(plan.commands.prefix(3)) == [
                "aws iam enable-outbound-web-identity-federation",
                "ISSUER_URL=$(aws iam get-outbound-web-identity-federation-info --query IssuerIdentifier "
                    + "--output text)",
                "aws iam put-role-policy --role-name shop-api --policy-name skyferry-azure-assertion "
                    + "--policy-document file://skyferry-get-web-identity-token.json",
            ]
        )
        #expect(
            plan.commands[3]
                == "az identity federated-credential create --name skyferry-aws-123456789012-shop-api --identity-name "
                + "shop-api --resource-group shop --issuer \"${ISSUER_URL}\" --subject "
                + "arn:aws:iam::123456789012:role/shop-api --audience api://AzureADTokenExchangeUSGov"
        )
        let policy = try SetupPlanTests.jsonObject(try #require(plan.documents.first?.content))
        let statement = try #require((policy["Statement"] as? [[String: Any]])?.first)
        #expect(statement["Action"] as? String == "sts:GetWebIdentityToken")
        let condition = try #require(statement["Condition"] as? [String: [String: String]])
        #expect(
            condition["ForAllValues:StringEquals"] == ["sts:IdentityTokenAudience": "api://AzureADTokenExchangeUSGov"]
        )
        #expect(condition["NumericLessThanEquals"] == ["sts:DurationSeconds": "3600"])
        #expect(plan.configuration.contains("  aws:\n    region: \"us-east-1\"\n"))
        #expect(plan.configuration.contains("      cloud: \"usgov\"\n"))
    }

    @Test("credential names follow Entra's rule (letters, digits, dashes; at most 120)")
    func credentialName() {
        let request = AzureSetupRequest(
            source: .kubernetes(
                KubernetesWorkload(
                    issuer: .url("https://issuer.example"),
                    namespace: String(repeating: "n", count: 63),
                    serviceAccount: String(repeating: "s.", count: 60)
                )
            ),
            identity: .application(appId: SetupScenarios.azureClient),
            tenantId: SetupScenarios.azureTenant,
            clientId: SetupScenarios.azureClient
        )
        #expect(request.resolvedCredentialName.count == 120)
        #expect(request.resolvedCredentialName.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" })
    }
}
