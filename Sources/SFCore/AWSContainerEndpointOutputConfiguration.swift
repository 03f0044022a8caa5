/// `outputs.awsContainerEndpoint`: the AWS SDKs' container-credentials provider, served on
/// `http://LISTEN/v1/credentials/TARGET` (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), which SDKs poll and
/// refresh from by themselves. The agent makes a random authorization token at start and writes it
/// to `authTokenFile` (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`).
public struct AWSContainerEndpointOutputConfiguration: Sendable, Equatable {
    public static let defaultMode: UInt32 = 0o600
    /// The path a target's credentials are served on.
    public static func path(target: String) -> String { "/v1/credentials/\(target)" }

    public var listen: ListenAddress
    public var authTokenFile: String
    /// Mode of `authTokenFile`, re-applied on every write (0640 with an `fsGroup` lets an app running as another
    /// user read it).
    public var authTokenFileMode: UInt32
    /// With `allowNonLoopback`: further `Host` names (lower-cased, no port) the endpoint answers besides
    /// 127.0.0.1, localhost, [::1] and the listen host, e.g. the pod IP or a Service name other pods use.
    public var allowedHosts: [String]

    public init(
        listen: ListenAddress,
        authTokenFile: String,
        authTokenFileMode: UInt32 = Self.defaultMode,
        allowedHosts: [String] = []
    ) {
        self.listen = listen
        self.authTokenFile = authTokenFile
        self.authTokenFileMode = authTokenFileMode
        self.allowedHosts = allowedHosts
    }
}
