import SFCore
import SFGCP

/// `skyferry setup gcp`: a workload identity pool and provider that admit only this workload, and the
/// bindings that let it act (by impersonating a service account, or directly as a federated principal).
public struct GCPSetupRequest: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        /// A Kubernetes service account's projected token (EKS, GKE or any OIDC-publishing cluster).
        case kubernetes(KubernetesWorkload)
        /// AWS credentials of an IAM role (EC2 instance profile, EKS IRSA/Pod Identity, ECS task role).
        case awsRole(accountID: String, roleName: String)
        /// Entra tokens of an Azure managed identity for an application ID URI (`sub` = its principal id).
        case azureManagedIdentity(tenantID: String, appIDURI: String, principalID: String)
    }

    public var identity: Identity
    public var projectID: String
    public var projectNumber: String
    public var pool: String
    public var provider: String
    /// Impersonate this service account; nil: the federated principal is granted `roles` directly.
    public var serviceAccount: String?
    /// Roles to grant on the project (`roles/storage.objectViewer`…).
    public var roles: [String]
    /// For an AWS identity: the region the agent signs GetCallerIdentity for.
    public var awsRegion: String?

    public init(
        identity: Identity,
        projectID: String,
        projectNumber: String,
        pool: String,
        provider: String,
        serviceAccount: String? = nil,
        roles: [String] = [],
        awsRegion: String? = nil
    ) {
        self.identity = identity
        self.projectID = projectID
        self.projectNumber = projectNumber
        self.pool = pool
        self.provider = provider
        self.serviceAccount = serviceAccount
        self.roles = roles
        self.awsRegion = awsRegion
    }

    /// The provider's full name: `gcp.audience` in the agent's configuration.
    public var audience: String { GCPPrincipal.audience(projectNumber: projectNumber, pool: pool, provider: provider) }
    /// What a JWT's `aud` must be when the provider lists no allowed audiences.
    public var tokenAudience: String { "https:" + audience }
}
