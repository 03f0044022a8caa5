import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SFCore
import SFWebhook
import SFWebhookServer
import Testing

/// `/readyz` follows the ServiceAccount cache; `/healthz` never does.
struct WebhookReadinessTests {
    static let handler = AdmissionHandler(
        mutator: PodMutator(agent: AgentContainerConfiguration(image: "img:1"), nativeSidecars: true)
    )

    static func router(_ cache: ServiceAccountCache?) throws -> Router<BasicRequestContext> {
        let metrics = WebhookMetrics()
        let resolver = try cache.map {
            ServiceAccountResolver(
                cache: $0,
                requests: ServiceAccountWatcherTests.requests,
                transport: ServiceAccountWatcherTests.Transport(script: .init(answers: [])),
                token: try ServiceAccountWatcherTests.tokenFile(),
                metrics: ServiceAccountMetrics(registry: metrics.registry)
            )
        }
        return WebhookServer.router(
            handler: handler,
            metrics: metrics,
            logger: Logger(label: "test"),
            serviceAccounts: resolver
        )
    }

    @Test("/readyz is 503 until the first list, /healthz is 200 throughout; without ServiceAccounts both are 200")
    func readiness() async throws {
        let cache = ServiceAccountCache(readyTimeout: .seconds(60))
        try await Application(router: try Self.router(cache)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            _ = cache.update { $0.listed(ServiceAccountListPage(records: [], resourceVersion: "1")) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
        try await Application(router: try Self.router(nil)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
