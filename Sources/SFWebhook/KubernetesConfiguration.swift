import SFCore

/// `kubernetes:` in the webhook's configuration: how it reaches the API server to read ServiceAccounts.
///
/// In a cluster every field can stay at its default: the API server comes from `KUBERNETES_SERVICE_HOST` and
/// `KUBERNETES_SERVICE_PORT`, the token and CA from the mounted ServiceAccount. Outside one (no such variables
/// and no `apiServer`) ServiceAccounts are not read and only pod annotations count.
public struct KubernetesConfiguration: Sendable, Equatable {
    public static let defaultTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    public static let defaultCAFile = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
    public static let defaultWatchTimeoutSeconds = 300
    public static let watchTimeoutRange = 10...3600
    /// `/readyz` answers 200 after the first list, or after this long without one (API server unreachable).
    public static let defaultReadyTimeoutSeconds = 10

    /// `apiServer`: overrides the in-cluster address (tests, or a webhook run outside the cluster).
    public var apiServer: Endpoint?
    /// The ServiceAccount token, re-read as the kubelet rotates it.
    public var tokenFile: String
    /// The cluster CA that signs the API server's certificate.
    public var caFile: String
    /// How long each watch is asked to last before it is resumed.
    public var watchTimeoutSeconds: Int
    /// `serviceAccounts.enabled`: false keeps the behaviour of pod annotations only.
    public var serviceAccountsEnabled: Bool
    public var readyTimeoutSeconds: Int

    public init(
        apiServer: Endpoint? = nil,
        tokenFile: String = Self.defaultTokenFile,
        caFile: String = Self.defaultCAFile,
        watchTimeoutSeconds: Int = Self.defaultWatchTimeoutSeconds,
        serviceAccountsEnabled: Bool = true,
        readyTimeoutSeconds: Int = Self.defaultReadyTimeoutSeconds
    ) {
        self.apiServer = apiServer
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.serviceAccountsEnabled = serviceAccountsEnabled
        self.readyTimeoutSeconds = readyTimeoutSeconds
    }

    /// The API server to read ServiceAccounts from, or nil when they are not read: disabled, or neither
    /// `apiServer` nor an in-cluster environment (`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`).
    public func server(environment: [String: String]) -> Endpoint? {
        guard serviceAccountsEnabled else { return nil }
        if let apiServer { return apiServer }
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else { return nil }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { Int($0) } ?? 443
        return Endpoint(scheme: .https, host: host, port: port)
    }
}
