import SFCore

/// Names, paths and loopback addresses shared by the injected agent and the app containers.
///
/// One place, so the generated agent configuration and the app environment cannot disagree.
public enum InjectionLayout {
    public static let agentContainer = "skyferry-agent"
    public static let initContainer = "skyferry-init"
    /// The binary inside the agent image (which has no shell).
    public static let binary = "/usr/local/bin/skyferry"

    public static let tokenVolume = "skyferry-token"
    public static let tokenDirectory = "/var/run/secrets/skyferry"
    public static let awsTokenFile = "aws-token"
    public static let gcpTokenFile = "gcp-token"
    public static var awsTokenPath: String { tokenDirectory + "/" + awsTokenFile }
    public static var gcpTokenPath: String { tokenDirectory + "/" + gcpTokenFile }
    public static let azureTokenFile = "azure-token"
    /// `AZURE_FEDERATED_TOKEN_FILE` in init-only mode: the projected token itself, which the kubelet refreshes.
    public static var azureTokenPath: String { tokenDirectory + "/" + azureTokenFile }

    /// In-memory volume for the agent's outputs, read-only in app containers.
    public static let outputVolume = "skyferry-out"
    public static let outputDirectory = "/var/run/skyferry"
    public static let outputSizeLimit = "1Mi"
    public static var awsAuthTokenPath: String { outputDirectory + "/aws-auth-token" }
    public static var awsCredentialsPath: String { outputDirectory + "/aws-credentials" }
    public static var gcpExternalAccountPath: String { outputDirectory + "/gcp-external-account.json" }
    /// Group-readable: with a pod `fsGroup` the memory volume is group-owned, so app containers running
    /// as another user can read the files. (The agent refuses modes that let other users read credentials.)
    public static let outputFileMode = "0640"
    /// The user the agent image runs as when nothing else is set.
    public static let imageUser = 65532

    public static let awsTarget = "aws"
    public static let gcpTarget = "gcp"
    public static let azureTarget = "azure"
    public static let awsEndpointPort = 9911
    public static var awsEndpointListen: String { "127.0.0.1:\(awsEndpointPort)" }
    public static var awsCredentialsURL: String { "http://\(awsEndpointListen)/v1/credentials/\(awsTarget)" }
    public static let gcpMetadataPort = 8989
    public static var gcpMetadataListen: String { "127.0.0.1:\(gcpMetadataPort)" }
    public static let azureEndpointPort = 9912
    public static var azureEndpointListen: String { "127.0.0.1:\(azureEndpointPort)" }
    /// `IDENTITY_ENDPOINT`: the App Service contract's path on the agent's loopback endpoint.
    public static var azureIdentityEndpoint: String {
        "http://\(azureEndpointListen)\(AzureManagedIdentityEndpointOutputConfiguration.path)"
    }
    public static let healthPort = 8686
    public static var healthListen: String { "127.0.0.1:\(healthPort)" }

    /// The loopback ports the long-running agent listens on for this request, with what each serves.
    public static func loopbackPorts(_ request: InjectionRequest) -> [(port: Int, purpose: String)] {
        guard request.mode == .sidecar else { return [] }
        var ports: [(port: Int, purpose: String)] = []
        if request.aws != nil { ports.append((awsEndpointPort, "the AWS container-credentials endpoint")) }
        if request.gcp != nil { ports.append((gcpMetadataPort, "the GCE metadata emulation")) }
        if request.azure != nil { ports.append((azureEndpointPort, "the Azure managed-identity endpoint")) }
        ports.append((healthPort, "the agent's health endpoint"))
        return ports
    }
}
