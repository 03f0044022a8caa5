import SFDiagnostics

/// The setup scenarios with golden outputs (`Fixtures/setup-<name>.txt|json`); the e2e tests run the binary
/// with the same flags (Tests/e2e/test_setup.py) against the same files.
enum SetupScenarios {
    static let gkeCluster = "projects/shop-prod/locations/europe-west1/clusters/main"

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
    ]
}
