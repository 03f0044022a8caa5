/// The ways a target hands over its credentials: the keys of `targets[].outputs`.
///
/// The raw values are the configuration keys, spelled here only. Code that depends on the kind switches over it
/// exhaustively, so that a new output is a compile error wherever it needs handling (parser, doctor, output plan).
public enum OutputKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case awsCredentialsFile
    case awsWebIdentityTokenFile
    case awsContainerEndpoint
    case gcpAccessTokenFile
    case gcpExternalAccountFile
    case gcpMetadataServer
    case azureManagedIdentityEndpoint
    case azureFederatedTokenFile
    case azureAccessTokenFile

    /// The configuration key.
    public var description: String { rawValue }

    /// The provider key (`aws`, `gcp` or `azure`) whose credentials this output hands over.
    public var provider: String {
        switch self {
        case .awsCredentialsFile, .awsWebIdentityTokenFile, .awsContainerEndpoint: return "aws"
        case .gcpAccessTokenFile, .gcpExternalAccountFile, .gcpMetadataServer: return "gcp"
        case .azureManagedIdentityEndpoint, .azureFederatedTokenFile, .azureAccessTokenFile: return "azure"
        }
    }
}
