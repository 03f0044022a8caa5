/// Where the workload's own identity comes from. Exactly one per configuration.
public enum SourceConfiguration: Sendable, Equatable {
    /// An OIDC JWT in a file (a projected service-account token), re-read on every exchange.
    case tokenFile(path: String)
    /// A Google-signed ID token from the GCE/GKE metadata server.
    case gcpMetadata(GCPMetadataSourceConfiguration)
    /// AWS credentials from the AWS SDKs' credential chain (for GCP targets).
    case aws(AWSSourceConfiguration)
    /// An Entra access token for an application ID URI from Azure IMDS or the App Service identity endpoint.
    case azureManagedIdentity(AzureManagedIdentitySourceConfiguration)
    /// The same Entra token on AKS: the federated token file exchanged at Entra ID.
    case azureWorkloadIdentity(AzureWorkloadIdentitySourceConfiguration)

    /// The `source.*` key, for messages and logs.
    public var kind: String {
        switch self {
        case .tokenFile: return "tokenFile"
        case .gcpMetadata: return "gcpMetadata"
        case .aws: return "aws"
        case .azureManagedIdentity: return "azureManagedIdentity"
        case .azureWorkloadIdentity: return "azureWorkloadIdentity"
        }
    }

    /// The source to be asked once, without waiting for it to become ready (`skyferry doctor`): a metadata
    /// server's `startupWaitSeconds` set to 0, so its not-ready failure says what was tried.
    public var withoutStartupWait: SourceConfiguration {
        switch self {
        case .gcpMetadata(var metadata):
            metadata.startupWaitSeconds = 0
            return .gcpMetadata(metadata)
        case .azureManagedIdentity(var identity):
            identity.startupWaitSeconds = 0
            return .azureManagedIdentity(identity)
        default:
            return self
        }
    }

    /// The file holding the token, when the source is a file Google's libraries can read themselves.
    public var tokenFilePath: String? {
        if case .tokenFile(let path) = self { return path }
        return nil
    }
}
