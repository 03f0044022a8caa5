import SFCore

/// `skyferry setup azure`: a federated identity credential on a user-assigned managed identity or an app
/// registration that admits only this workload, the role assignment that lets it act, and the Skyferry side.
public struct AzureSetupRequest: Sendable, Equatable {
    /// Where the federated identity credential is created.
    public enum Identity: Sendable, Equatable {
        /// A user-assigned managed identity: `az identity federated-credential create`.
        case managedIdentity(name: String, resourceGroup: String)
        /// An app registration, by its application (client) id: `az ad app federated-credential create`.
        case application(appId: String)
    }

    /// Whose token is presented to Entra ID: the credential's issuer and subject.
    public enum Source: Sendable, Equatable {
        /// A Kubernetes service account's projected token (any OIDC-publishing cluster).
        case kubernetes(KubernetesWorkload)
        /// A Google service account's ID token (GCE, GKE, Cloud Run): subject its numeric unique id.
        case gcpServiceAccount(uniqueId: String)
        /// An AWS role's `sts:GetWebIdentityToken` JWT (IAM outbound identity federation): subject the role ARN.
        /// `issuer`: the account's issuer URL; nil: the plan looks it up.
        case awsRole(arn: IAMRoleARN, issuer: String?, region: String?)
    }

    public var source: Source
    public var identity: Identity
    public var tenantId: String
    /// The client id tokens are issued to: the managed identity's, or the app's (its app id).
    public var clientId: String
    public var cloud: AzureCloud
    /// The federated identity credential's name; nil: derived from the source.
    public var credentialName: String?
    /// Azure RBAC roles to assign (`Storage Blob Data Reader`…), at `scope`.
    public var roles: [String]
    /// The ARM scope of the role assignments (`/subscriptions/…/resourceGroups/…`).
    public var scope: String?

    public init(
        source: Source,
        identity: Identity,
        tenantId: String,
        clientId: String,
        cloud: AzureCloud = .public,
        credentialName: String? = nil,
        roles: [String] = [],
        scope: String? = nil
    ) {
        self.source = source
        self.identity = identity
        self.tenantId = tenantId
        self.clientId = clientId
        self.cloud = cloud
        self.credentialName = credentialName
        self.roles = roles
        self.scope = scope
    }

    /// The assertion's audience, and the credential's one audience.
    public var audience: String { cloud.tokenExchangeAudience }

    /// The credential's issuer, exactly as the token's `iss` (a shell variable when looked up).
    public var issuer: String {
        switch source {
        case .kubernetes(let workload): return workload.issuer.issuerURL
        case .gcpServiceAccount: return "https://accounts.google.com"
        case .awsRole(_, let issuer, _): return issuer ?? "${ISSUER_URL}"
        }
    }

    /// The credential's subject, exactly as the token's `sub`.
    public var subject: String {
        switch source {
        case .kubernetes(let workload): return workload.subject
        case .gcpServiceAccount(let id): return id
        case .awsRole(let arn, _, _): return arn.description
        }
    }

    /// 3-120 characters of letters, digits, `-` and `_`, starting with a letter or digit (Entra's rule).
    public var resolvedCredentialName: String {
        if let credentialName { return credentialName }
        let raw: String
        switch source {
        case .kubernetes(let workload): raw = "skyferry-\(workload.namespace)-\(workload.serviceAccount)"
        case .gcpServiceAccount(let id): raw = "skyferry-gcp-\(id)"
        case .awsRole(let arn, _, _): raw = "skyferry-aws-\(arn.accountID)-\(arn.roleName)"
        }
        let cleaned = String(raw.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
        return String(cleaned.prefix(120))
    }
}
