import SFCore

/// `skyferry webhook --config FILE`, validated. Every default is written here once and listed in the README.
public struct WebhookConfiguration: Sendable, Equatable {
    public static let defaultListen = ListenAddress(host: "0.0.0.0", port: 8443)

    /// Where the HTTPS server listens (any address: the API server calls it through a Service).
    public var listen: ListenAddress
    public var tls: TLSFilesConfiguration
    public var agent: AgentContainerConfiguration
    /// Inject the agent as a native sidecar (`restartPolicy: Always` init container, Kubernetes ≥ 1.29);
    /// false: a `--once` init container plus a regular sidecar container.
    public var nativeSidecars: Bool
    /// `server`: TLS handshake, request read and keep-alive idle timeouts, and the connection cap.
    public var server: ServerLimits
    /// `azure`: the Entra ID cloud of pods annotated with `skyferry.dev/azure-client-id`.
    public var azure: AzureWebhookConfiguration
    /// `kubernetes`: the API server, for the identity annotations of pods' ServiceAccounts.
    public var kubernetes: KubernetesConfiguration

    public init(
        listen: ListenAddress = Self.defaultListen,
        tls: TLSFilesConfiguration,
        agent: AgentContainerConfiguration,
        nativeSidecars: Bool = true,
        server: ServerLimits = .webhook,
        azure: AzureWebhookConfiguration = .init(),
        kubernetes: KubernetesConfiguration = .init()
    ) {
        self.listen = listen
        self.server = server
        self.tls = tls
        self.agent = agent
        self.nativeSidecars = nativeSidecars
        self.azure = azure
        self.kubernetes = kubernetes
    }
}
