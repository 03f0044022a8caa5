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

    /// In-memory volume for the agent's outputs, read-only in app containers.
    public static let outputVolume = "skyferry-out"
    public static let outputDirectory = "/var/run/skyferry"
    public static let outputSizeLimit = "1Mi"
    public static var awsAuthTokenPath: String { outputDirectory + "/aws-auth-token" }
    public static var awsCredentialsPath: String { outputDirectory + "/aws-credentials" }
    public static var gcpExternalAccountPath: String { outputDirectory + "/gcp-external-account.json" }
    /// Group-readable: with a pod `fsGroup` the memory volume is group-owned, so app containers running
    /// as another user can read the files.
    public static let outputFileMode = "0640"

    public static let awsTarget = "aws"
    public static let gcpTarget = "gcp"
    public static let awsEndpointListen = "127.0.0.1:9911"
    public static var awsCredentialsURL: String { "http://\(awsEndpointListen)/v1/credentials/\(awsTarget)" }
    public static let gcpMetadataListen = "127.0.0.1:8989"
    public static let healthListen = "127.0.0.1:8686"
}
