/// The agent's configuration, validated: after `ConfigurationParser` nothing else checks it again.
///
/// Every default is written once, in the configuration type it belongs to, and listed in the README's
/// configuration table.
public struct AgentConfiguration: Sendable, Equatable {
    public var source: SourceConfiguration
    public var targets: [TargetConfiguration]
    public var refresh: RefreshConfiguration
    /// Health, readiness and metrics server; nil: not served.
    public var health: HealthConfiguration?
    /// `server`: timeouts and connection cap of every loopback server (container endpoint, metadata server,
    /// IMDS, health); the handshake timeout is unused (plain HTTP).
    public var server: ServerLimits

    public init(
        source: SourceConfiguration,
        targets: [TargetConfiguration],
        refresh: RefreshConfiguration = .init(),
        health: HealthConfiguration? = nil,
        server: ServerLimits = .loopback
    ) {
        self.source = source
        self.targets = targets
        self.refresh = refresh
        self.health = health
        self.server = server
    }

    /// The identity source a target exchanges: its own `source`, else the top-level one.
    public func source(for target: TargetConfiguration) -> SourceConfiguration {
        target.source ?? source
    }
}
