import SFCore

/// `skyferry.dev/azure-client-id` and `skyferry.dev/azure-tenant-id`, plus what the mutator adds for the pod:
/// the webhook's cloud settings and, in sidecar mode, the per-pod managed-identity endpoint secret.
public struct AzureInjection: Sendable, Equatable {
    /// The label azure-workload-identity's webhook selects pods by: such pods get their Azure part from it.
    public static let workloadIdentityLabel = "azure.workload.identity/use"

    /// The app registration's or user-assigned managed identity's client id (a GUID).
    public var clientId: String
    /// A GUID or a tenant domain such as `contoso.onmicrosoft.com`.
    public var tenantId: String
    /// From the webhook's `azure` settings.
    public var cloud: AzureWebhookConfiguration
    /// The managed-identity endpoint's `IDENTITY_HEADER` (sidecar mode); nil until the mutator sets it.
    public var secret: String?

    public init(
        clientId: String,
        tenantId: String,
        cloud: AzureWebhookConfiguration = .init(),
        secret: String? = nil
    ) {
        self.clientId = clientId
        self.tenantId = tenantId
        self.cloud = cloud
        self.secret = secret
    }
}

extension AzureInjection {
    /// Variables that, set in an app container, make Azure SDKs choose another credential than skyferry's:
    /// other managed-identity sources (Service Fabric, Arc, Cloud Shell / Azure ML) and a client secret or
    /// certificate (`EnvironmentCredential` comes first in `DefaultAzureCredential`).
    public static let conflictingVariables = [
        "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
    ]
}
