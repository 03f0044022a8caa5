import SFCore
import SFLocalEndpoints

extension LocalEndpoints {
    /// The health server, when configured.
    public static func health(
        _ configuration: AgentConfiguration,
        store: CredentialStore,
        metrics: AgentMetrics
    ) -> Server? {
        guard let listen = configuration.health?.listen else { return nil }
        let health = HealthServer(
            store: store,
            metrics: metrics,
            targets: configuration.targets.map(\.name),
            margin: .seconds(configuration.refresh.expiryMarginSeconds)
        )
        return Server(
            address: listen,
            kind: "health",
            policy: LoopbackRequestPolicy(listen: listen),
            refuse: { .text($0.status, $0.reason + "\n") },
            responder: { health.respond(to: $0, now: $1) }
        )
    }
}
