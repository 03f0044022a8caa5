/// `source.gcpMetadata`: ID tokens for the instance's (or GKE Workload Identity's) service account.
public struct GCPMetadataSourceConfiguration: Sendable, Equatable {
    /// The default metadata server (plain HTTP on the link-local address, as on every GCE VM and GKE node).
    public static let defaultEndpoint = Endpoint(scheme: .http, host: "169.254.169.254")

    /// The `aud` of the ID token: what the other cloud's trust expects (`sts.amazonaws.com` for AWS).
    public var audience: String
    /// The metadata server; nil means `GCE_METADATA_HOST` when set, else `defaultEndpoint` (resolved at start-up).
    public var endpoint: Endpoint?
    /// The service account: `default` or an email.
    public var serviceAccount: String
    /// How long to wait for the metadata server to become ready (GKE's is not, for a pod's first seconds).
    public var startupWaitSeconds: Int

    public init(
        audience: String,
        endpoint: Endpoint? = nil,
        serviceAccount: String = "default",
        startupWaitSeconds: Int = 30
    ) {
        self.audience = audience
        self.endpoint = endpoint
        self.serviceAccount = serviceAccount
        self.startupWaitSeconds = startupWaitSeconds
    }
}
