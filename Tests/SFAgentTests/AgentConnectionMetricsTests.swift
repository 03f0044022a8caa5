import Foundation
import SFAgent
import SFLocalEndpoints
import SFServer
import Testing

struct AgentConnectionMetricsTests {
    static func render(_ metrics: AgentMetrics) -> String {
        String(
            decoding: metrics.render(store: CredentialStore(targets: ["s3"]), now: Date(timeIntervalSince1970: 0)),
            as: UTF8.self
        )
    }

    static func lines(_ text: String, _ prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test("connections open and closed per server kind and reason, at zero from the start, no handshake series")
    func rendering() {
        let metrics = AgentMetrics(targets: ["s3"])
        let endpoint = metrics.connectionObserver(server: "awsContainerEndpoint")
        let health = metrics.connectionObserver(server: "health")
        #expect(
            Self.lines(Self.render(metrics), "skyferry_connections_").sorted() == [
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"evicted\"} 0",
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"idle_timeout\"} 0",
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"other\"} 0",
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"read_timeout\"} 0",
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"refused\"} 0",
                "skyferry_connections_closed_total{server=\"health\",reason=\"evicted\"} 0",
                "skyferry_connections_closed_total{server=\"health\",reason=\"idle_timeout\"} 0",
                "skyferry_connections_closed_total{server=\"health\",reason=\"other\"} 0",
                "skyferry_connections_closed_total{server=\"health\",reason=\"read_timeout\"} 0",
                "skyferry_connections_closed_total{server=\"health\",reason=\"refused\"} 0",
                "skyferry_connections_open{server=\"awsContainerEndpoint\"} 0.0",
                "skyferry_connections_open{server=\"health\"} 0.0",
            ]
        )
        for _ in 0..<3 { endpoint.opened() }
        endpoint.closed(.idleTimeout)
        endpoint.closed(.refused)  // never counted as open
        health.opened()
        health.closed(.other)
        let text = Self.render(metrics)
        #expect(text.contains("skyferry_connections_open{server=\"awsContainerEndpoint\"} 2.0\n"))
        #expect(
            text.contains(
                "skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"idle_timeout\"} 1\n"
            )
        )
        #expect(
            text.contains("skyferry_connections_closed_total{server=\"awsContainerEndpoint\",reason=\"refused\"} 1\n")
        )
        #expect(text.contains("skyferry_connections_open{server=\"health\"} 0.0\n"))
        #expect(text.contains("skyferry_connections_closed_total{server=\"health\",reason=\"other\"} 1\n"))
        #expect(text.contains("# TYPE skyferry_connections_open gauge"))
        #expect(text.contains("# TYPE skyferry_connections_closed_total counter"))
    }
}
