import FoundationEssentials
import Hummingbird
import Logging
import SFCore

/// `/healthz` (alive), `/readyz` (every target holds valid credentials) and `/metrics` (Prometheus text).
public enum HealthServer {
    public static func router(store: CredentialStore, metrics: AgentMetrics, targets: [String], margin: Duration,
                              now: @escaping @Sendable () -> Date) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            let report = Readiness.evaluate(targets: targets, states: store.snapshot(), now: now(), margin: margin)
            let text = report.ready
                ? "ready\n"
                : report.notReady.keys.sorted().map { "\($0): \(report.notReady[$0]!)" }.joined(separator: "\n") + "\n"
            return Response(status: report.ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(store: store, now: now()))))
        }
        return router
    }
}
