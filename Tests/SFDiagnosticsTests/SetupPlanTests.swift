import Foundation
import SFConfiguration
import SFCore
import SFDiagnostics
import SFWebhook
import Testing

struct SetupPlanTests {
    /// `SKYFERRY_UPDATE_GOLDEN=1 swift test --filter SetupPlanTests` rewrites the golden files (in the
    /// source tree) with `actual`; review the diff.
    static func fixture(_ name: String, actual: String) throws -> String {
        if ProcessInfo.processInfo.environment["SKYFERRY_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/\(name)"
            )
            try actual.write(to: source, atomically: true, encoding: .utf8)
            return actual
        }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func jsonObject(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("setup prints the golden script", arguments: SetupScenarios.all.map(\.name))
    func goldenText(name: String) throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == name }?.plan)
        #expect(plan.text == (try Self.fixture("setup-\(name).txt", actual: plan.text)))
    }

    @Test("setup --output json prints the golden document", arguments: SetupScenarios.all.map(\.name))
    func goldenJSON(name: String) throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == name }?.plan)
        #expect(plan.json == (try Self.fixture("setup-\(name).json", actual: plan.json)))
        _ = try Self.jsonObject(plan.json)
    }

    @Test("every generated configuration is one the agent accepts", arguments: SetupScenarios.all.map(\.name))
    func configurationParses(name: String) throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == name }?.plan)
        let configuration = try ConfigurationParser().parse(plan.configuration, origin: "setup-\(name)")
        #expect(configuration.targets.count == 1)
    }

    @Test(
        "the pod settings printed for a cluster are what the webhook acts on",
        arguments: SetupScenarios.all.map(\.name)
    )
    func webhookAcceptsTheAnnotations(name: String) throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == name }?.plan)
        guard !plan.annotations.isEmpty else {
            #expect(plan.labels.isEmpty)  // a VM: no pod
            return
        }
        #expect(plan.labels.map(\.key) == [PodAnnotations.injectLabel] && plan.labels.map(\.value) == ["true"])
        let annotations = Dictionary(uniqueKeysWithValues: plan.annotations.map { ($0.key, $0.value) })
        switch PodAnnotations.parse(annotations) {
        case .success(let request):
            // The same role or provider the configuration names.
            let configuration = try ConfigurationParser().parse(plan.configuration, origin: "setup-\(name)")
            switch configuration.targets.first?.provider {
            case .aws(let aws): #expect(request.aws?.roleArn == aws.roleArn && request.gcp == nil)
            case .gcp(let gcp): #expect(request.gcp?.audience == gcp.audience && request.aws == nil)
            case .azure: Issue.record("an Azure target, which no setup plan makes yet")
            case nil: Issue.record("no target")
            }
        case .failure(let error):
            Issue.record("the webhook would deny these annotations: \(error)")
        }
    }

    @Test("AWS trust policies pin sub and aud for a cluster's service account")
    func awsClusterPolicy() throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == "aws-gke" }?.plan)
        let policy = try Self.jsonObject(try #require(plan.documents.first { $0.name == "trust-policy.json" }).content)
        let statement = try #require((policy["Statement"] as? [[String: Any]])?.first)
        let host = "container.googleapis.com/v1/projects/shop-prod/locations/europe-west1/clusters/main"
        #expect(
            (statement["Principal"] as? [String: String])?["Federated"]
                == "arn:aws:iam::123456789012:oidc-provider/\(host)"
        )
        #expect(statement["Action"] as? String == "sts:AssumeRoleWithWebIdentity")
        let equals = try #require((statement["Condition"] as? [String: Any])?["StringEquals"] as? [String: String])
        #expect(equals == ["\(host):sub": "system:serviceaccount:shop:api", "\(host):aud": "sts.amazonaws.com"])
        #expect(!plan.text.contains("\"AWS\": \"*\""))
    }

    @Test("AWS trust policies for Google ID tokens pin the service account's unique id and the audience")
    func awsGooglePolicy() throws {
        let plan = try #require(SetupScenarios.all.first { $0.name == "aws-google" }?.plan)
        let policy = try Self.jsonObject(try #require(plan.documents.first).content)
        let statement = try #require((policy["Statement"] as? [[String: Any]])?.first)
        #expect((statement["Principal"] as? [String: String])?["Federated"] == "accounts.google.com")
        let equals = try #require((statement["Condition"] as? [String: Any])?["StringEquals"] as? [String: String])
        #expect(
            equals == [
                "accounts.google.com:sub": "112233445566778899001", "accounts.google.com:aud": "112233445566778899001",
                "accounts.google.com:oaud": "sts.amazonaws.com",
            ]
        )
        #expect(!plan.commands.contains { $0.contains("create-open-id-connect-provider") })
    }

    @Test("gcloud providers carry the attribute condition; members are the pinned principal")
    func gcpConditions() throws {
        let eks = try #require(SetupScenarios.all.first { $0.name == "gcp-eks" }?.plan)
        #expect(
            eks.commands.contains {
                $0.contains("create-oidc")
                    && $0.contains("--attribute-condition=\"assertion.sub == 'system:serviceaccount:shop:api'\"")
            }
        )
        #expect(
            eks.commands.contains {
                $0.contains("--role=roles/iam.workloadIdentityUser")
                    && $0.contains(
                        "--member=principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentit"
                            + "yPools/skyferry/subject/system:serviceaccount:shop:api"
                    )
            }
        )
        let aws = try #require(SetupScenarios.all.first { $0.name == "gcp-aws" }?.plan)
        #expect(
            aws.commands.contains {
                $0.contains("create-aws") && $0.contains("--account-id=123456789012")
                    && $0.contains(
                        "--attribute-condition=\"attribute.aws_role == "
                            + "'arn:aws:sts::123456789012:assumed-role/shop-api'\""
                    )
            }
        )
        #expect(
            aws.commands.contains {
                $0.contains(
                    "gcloud projects add-iam-policy-binding shop-prod --role=roles/storage.objectViewer "
                        + "--member=principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadId"
                        + "entityPools/skyferry/attribute.aws_role/arn:aws:sts::123456789012:assumed-role/shop-api"
                )
            }
        )
    }
}
