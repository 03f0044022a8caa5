/// Timeouts and the connection cap of one of our HTTP servers (the webhook, the agent's loopback endpoints).
///
/// Without them a client that connects and sends nothing, sends its request a byte at a time, or keeps an
/// unused keep-alive connection holds a socket, a task and TLS buffers for ever; with the webhook's
/// `failurePolicy: Fail`, any pod that can reach the webhook could then starve admissions cluster-wide.
/// Every default is written here once and listed in the README.
public struct ServerLimits: Sendable, Equatable {
    /// The webhook: the API server connects over TLS and keeps a few keep-alive connections per instance.
    /// 10 s is ample for a handshake or a request of at most 3 MiB on a cluster network; 60 s of idleness
    /// is under the API server's own 90 s idle-connection timeout, so the server closes first, between
    /// requests, which Go's client retries transparently. 1,000 idle TLS connections cost about 34 MiB
    /// (34 KiB each, `bench/webhook_latency.py --idle`), within the chart's 128 Mi limit, and are far above
    /// what API servers open.
    public static let webhook = ServerLimits(
        handshakeTimeoutSeconds: 10,
        readTimeoutSeconds: 10,
        idleTimeoutSeconds: 60,
        maximumConnections: 1000
    )
    /// The agent's loopback endpoints (plain HTTP): one pod's SDKs ask for credentials a few times an hour,
    /// each request fits in one packet. 128 connections is more than any pod's clients open at once.
    public static let loopback = ServerLimits(
        handshakeTimeoutSeconds: 10,
        readTimeoutSeconds: 5,
        idleTimeoutSeconds: 15,
        maximumConnections: 128
    )

    /// Accepted ranges, for the configuration parsers' messages.
    public static let timeoutRange = 1...3600
    public static let connectionsRange = 1...100_000

    /// From TCP accept to a finished TLS handshake (unused by plain HTTP servers).
    public var handshakeTimeoutSeconds: Int
    /// From a request's first byte to its last (headers and body).
    public var readTimeoutSeconds: Int
    /// Between requests on a keep-alive connection (and before the first).
    public var idleTimeoutSeconds: Int
    /// Open connections at most. At the cap a new connection closes the longest-idle one, never one whose
    /// request is being read or answered; when none is idle the new connection is closed at once.
    public var maximumConnections: Int

    public init(
        handshakeTimeoutSeconds: Int,
        readTimeoutSeconds: Int,
        idleTimeoutSeconds: Int,
        maximumConnections: Int
    ) {
        self.handshakeTimeoutSeconds = handshakeTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maximumConnections = maximumConnections
    }

    public var handshakeTimeout: Duration { .seconds(handshakeTimeoutSeconds) }
    public var readTimeout: Duration { .seconds(readTimeoutSeconds) }
    public var idleTimeout: Duration { .seconds(idleTimeoutSeconds) }
}
