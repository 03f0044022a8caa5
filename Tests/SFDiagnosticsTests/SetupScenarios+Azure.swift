import SFCore
import SFDiagnostics

extension SetupScenarios {
    static let azureClient = "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d"
    static let azureScope = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/shop"

    /// `skyferry setup azure`, one per source kind and identity kind.
    static let azure: [(name: String, plan: SetupPlan)] = [
        // GKE → a user-assigned managed identity.
        (
            "azure-gke",
            AzureSetup.plan(
                AzureSetupRequest(
                    source: .kubernetes(
                        KubernetesWorkload(issuer: .gke(resource: gkeCluster), namespace: "shop", serviceAccount: "api")
                    ),
                    identity: .managedIdentity(name: "shop-api", resourceGroup: "shop"),
                    tenantId: azureTenant,
                    clientId: azureClient,
                    roles: ["Storage Blob Data Reader"],
                    scope: azureScope
                )
            )
        ),
        // EKS (issuer looked up) → an app registration.
        (
            "azure-eks-app",
            AzureSetup.plan(
                AzureSetupRequest(
                    source: .kubernetes(
                        KubernetesWorkload(
                            issuer: .eks(name: "shop", region: "eu-west-1"),
                            namespace: "shop",
                            serviceAccount: "api"
                        )
                    ),
                    identity: .application(appId: azureClient),
                    tenantId: "contoso.onmicrosoft.com",
                    clientId: azureClient
                )
            )
        ),
        // GCE → Azure: Google ID tokens, subject the numeric service-account id.
        (
            "azure-google",
            AzureSetup.plan(
                AzureSetupRequest(
                    source: .gcpServiceAccount(uniqueId: "112233445566778899001"),
                    identity: .managedIdentity(name: "shop-api", resourceGroup: "shop"),
                    tenantId: azureTenant,
                    clientId: azureClient,
                    roles: ["Storage Blob Data Reader"],
                    scope: azureScope
                )
            )
        ),
        // EC2 → Azure (US Government): the account's outbound issuer, subject the role ARN.
        (
            "azure-aws",
            AzureSetup.plan(
                AzureSetupRequest(
                    source: .awsRole(
                        arn: IAMRoleARN("arn:aws:iam::123456789012:role/shop-api")!,
                        issuer: nil,
                        region: "us-east-1"
                    ),
                    identity: .managedIdentity(name: "shop-api", resourceGroup: "shop"),
                    tenantId: azureTenant,
                    clientId: azureClient,
                    cloud: .usgov,
                    roles: ["Storage Blob Data Reader"],
                    scope: azureScope
                )
            )
        ),
    ]
}
