/// The cloud a target exchanges the identity at.
public enum ProviderConfiguration: Sendable, Equatable {
    case aws(AWSTargetConfiguration)
    case gcp(GCPTargetConfiguration)
    case azure(AzureTargetConfiguration)

    public var name: String {
        switch self {
        case .aws: return "aws"
        case .gcp: return "gcp"
        case .azure: return "azure"
        }
    }
}
