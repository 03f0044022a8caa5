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

    public init(listen: ListenAddress = Self.defaultListen, tls: TLSFilesConfiguration,
                agent: AgentContainerConfiguration, nativeSidecars: Bool = true, server: ServerLimits = .webhook) {
        self.listen = listen
        self.server = server
        self.tls = tls
        self.agent = agent
        self.nativeSidecars = nativeSidecars
    }
}

/// `tls`: PEM files, re-read when they change (cert-manager rotates them in place).
public struct TLSFilesConfiguration: Sendable, Equatable {
    public static let defaultReloadIntervalSeconds = 5

    public var certFile: String
    public var keyFile: String
    /// How often the files' identity (inode, size, mtime) is checked.
    public var reloadIntervalSeconds: Int

    public init(certFile: String, keyFile: String, reloadIntervalSeconds: Int = Self.defaultReloadIntervalSeconds) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.reloadIntervalSeconds = reloadIntervalSeconds
    }
}

/// `agent`: the injected container.
public struct AgentContainerConfiguration: Sendable, Equatable {
    /// Small: the agent idles between refreshes (measured RSS is in the README).
    public static let defaultResources: JSONValue = [
        "requests": ["cpu": "10m", "memory": "16Mi"],
        "limits": ["memory": "64Mi"],
    ]

    public var image: String
    /// The container's `resources`, as written in the file (quantities as strings).
    public var resources: JSONValue

    public init(image: String, resources: JSONValue = Self.defaultResources) {
        self.image = image
        self.resources = resources
    }
}
