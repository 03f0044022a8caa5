import SFCore

/// What stops `Composition` from building the object graph from a valid configuration.
enum CompositionError: Error, CustomStringConvertible {
    /// `GCE_METADATA_HOST` is set but is not a host[:port] (the `gcpMetadata` source's default endpoint).
    case metadataHost(underlying: any Error)
    /// An `authTokenFile` of an `awsContainerEndpoint` output could not be written.
    case authTokenFile(underlying: any Error)
    /// A `secretFile` of an `azureManagedIdentityEndpoint` output could not be written.
    case azureSecretFile(underlying: any Error)

    /// The exit status a command ends with for it.
    var status: CommandExitStatus {
        switch self {
        case .metadataHost: return .configurationInvalid
        case .authTokenFile, .azureSecretFile: return .outputFailed
        }
    }

    var description: String {
        switch self {
        case .metadataHost(let underlying): return "GCE_METADATA_HOST: \(underlying)"
        case .authTokenFile(let underlying): return "awsContainerEndpoint.authTokenFile: \(underlying)"
        case .azureSecretFile(let underlying): return "azureManagedIdentityEndpoint.secretFile: \(underlying)"
        }
    }
}
