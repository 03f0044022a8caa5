import SFAWS
import SFCore

/// `skyferry setup aws`: an IAM role that only this workload's token can assume.
public struct AWSSetupRequest: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        /// A Kubernetes service account's projected token (EKS, GKE or any OIDC-publishing cluster).
        case kubernetes(KubernetesWorkload)
        /// Google ID tokens of a service account from the GCE/GKE metadata server. Without the unique id,
        /// the plan looks it up with gcloud.
        case googleServiceAccount(email: String, uniqueID: String?)
        /// Entra tokens of an Azure managed identity (IMDS, App Service, AKS workload identity) for an application
        /// ID URI: issuer `https://sts.windows.net/TENANT/`, `aud` the URI, `sub` the identity's principal id.
        case azureManagedIdentity(tenantID: String, appIDURI: String, principalID: String)
    }

    public static let defaultAudience = "sts.amazonaws.com"

    public var identity: Identity
    public var accountID: String
    public var roleName: String
    /// The token's `aud` the trust accepts.
    public var audience: String
    /// Managed or customer policies to attach: the permissions the workload gets.
    public var policyARNs: [String]
    /// The STS region for the agent's configuration; nil: the global endpoint.
    public var region: String?
    public var partition: String

    public init(
        identity: Identity,
        accountID: String,
        roleName: String,
        audience: String = Self.defaultAudience,
        policyARNs: [String] = [],
        region: String? = nil,
        partition: String = "aws"
    ) {
        self.identity = identity
        self.accountID = accountID
        self.roleName = roleName
        self.audience = audience
        self.policyARNs = policyARNs
        self.region = region
        self.partition = partition
    }

    public var roleARN: String { IAMRoleARN.text(partition: partition, accountID: accountID, roleName: roleName) }
}
