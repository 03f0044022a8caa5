import SFDiagnostics

/// The setup scenarios with golden outputs (`Fixtures/setup-<name>.txt|json`); the e2e tests run the binary
/// with the same flags (Tests/e2e/test_setup.py) against the same files.
enum SetupScenarios {
    static let gkeCluster = "projects/shop-prod/locations/europe-west1/clusters/main"
    static let azureTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let azurePrincipal = "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b"

    static let all: [(name: String, plan: SetupPlan)] = [
        // GKE → AWS, the cluster's OIDC issuer.
        (
            "aws-gke",
            AWSSetup.plan(
                AWSSetupRequest(
                    identity: .kubernetes(
                        KubernetesWorkload(issuer: .gke(resource: gkeCluster), namespace: "shop", serviceAccount: "api")
                    ),
                    accountID: "123456789012",
                    roleName: "shop-api",
                    policyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                    region: "eu-west-1"
                )
            )
        ),
        // GCE (or GKE Workload Identity) → AWS, Google ID tokens.
        (
            "aws-google",
            AWSSetup.plan(
                AWSSetupRequest(
                    identity: .googleServiceAccount(
                        email: "shop-api@shop-prod.iam.gserviceaccount.com",
                        uniqueID: "112233445566778899001"
                    ),
                    accountID: "123456789012",
                    roleName: "shop-api",
                    policyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                    region: "eu-west-1"
                )
            )
        ),
        // Any cluster with a public issuer → AWS.
        (
            "aws-issuer",
            AWSSetup.plan(
                AWSSetupRequest(
                    identity: .kubernetes(
                        KubernetesWorkload(
                            issuer: .url("https://oidc.example.com/clusters/prod"),
                            namespace: "shop",
                            serviceAccount: "api"
                        )
                    ),
                    accountID: "123456789012",
                    roleName: "shop-api"
                )
            )
        ),
        // EKS → GCP, the cluster's OIDC issuer, impersonating a service account.
        (
            "gcp-eks",
            GCPSetup.plan(
                GCPSetupRequest(
                    identity: .kubernetes(
                        KubernetesWorkload(
                            issuer: .eks(name: "prod", region: "eu-west-1"),
                            namespace: "shop",
                            serviceAccount: "api"
                        )
                    ),
                    projectID: "shop-prod",
                    projectNumber: "123456789",
                    pool: "skyferry",
                    provider: "eks-prod",
                    serviceAccount: "shop-api@shop-prod.iam.gserviceaccount.com",
                    roles: ["roles/storage.objectViewer"]
                )
            )
        ),
        // EC2 → GCP, the AWS provider, direct resource access.
        (
            "gcp-aws",
            GCPSetup.plan(
                GCPSetupRequest(
                    identity: .awsRole(accountID: "123456789012", roleName: "shop-api"),
                    projectID: "shop-prod",
                    projectNumber: "123456789",
                    pool: "skyferry",
                    provider: "aws-prod",
                    roles: ["roles/storage.objectViewer"],
                    awsRegion: "eu-west-1"
                )
            )
        ),
        // Azure VM / AKS (managed identity) → AWS, Entra v1 tokens for an application ID URI.
        (
            "aws-azure",
            AWSSetup.plan(
                AWSSetupRequest(
                    identity: .azureManagedIdentity(
                        tenantID: azureTenant,
                        appIDURI: "api://skyferry-aws",
                        principalID: azurePrincipal
                    ),
                    accountID: "123456789012",
                    roleName: "shop-api",
                    policyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
                )
            )
        ),
        // Azure VM / AKS (managed identity) → GCP, impersonating a service account.
        (
            "gcp-azure",
            GCPSetup.plan(
                GCPSetupRequest(
                    identity: .azureManagedIdentity(
                        tenantID: azureTenant,
                        appIDURI: "api://skyferry-gcp",
                        principalID: azurePrincipal
                    ),
                    projectID: "shop-prod",
                    projectNumber: "123456789",
                    pool: "skyferry",
                    provider: "azure-prod",
                    serviceAccount: "shop-api@shop-prod.iam.gserviceaccount.com",
                    roles: ["roles/storage.objectViewer"]
                )
            )
        ),
    ]
}
