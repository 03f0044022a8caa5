import FoundationEssentials
import Hummingbird
import Logging
import SFCore
import SFLocalEndpoints

/// `/healthz` (alive), `/readyz` (every target holds valid credentials) and `/metrics` (Prometheus text).
///
/// `respond(to:now:)` is the whole answer, pure but for reading the store and the metrics;
/// `LocalEndpoints.health` puts a `LoopbackRequestPolicy` in front of it.
public struct HealthServer: Sendable {
    public let store: CredentialStore
    public let metrics: AgentMetrics
    public let targets: [String]
    public let margin: Duration

    public init(store: CredentialStore, metrics: AgentMetrics, targets: [String], margin: Duration) {
        self.store = store
        self.metrics = metrics
        self.targets = targets
        self.margin = margin
    }

    public static let paths = ["/healthz", "/readyz", "/metrics"]

    public func respond(to request: LocalRequest, now: Date) -> LocalResponse {
        guard Self.paths.contains(request.path) else {
            return .text(404, "\(request.path) is not served here; paths: \(Self.paths.joined(separator: ", "))\n")
        }
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "use GET\n") }
        switch request.path {
        case "/healthz":
            return .text(200, "ok\n")
        case "/readyz":
            let report = Readiness.evaluate(targets: targets, states: store.snapshot(), now: now, margin: margin)
            let text =
                report.ready
                ? "ready\n"
                : report.notReady.keys.sorted().map { "\($0): \(report.notReady[$0]!)" }.joined(separator: "\n") + "\n"
            return .text(report.ready ? 200 : 503, text)
        default:
            return LocalResponse(
                status: 200,
                headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: String(decoding: metrics.render(store: store, now: now), as: UTF8.self)
            )
        }
    }

    /// The same answers as a Hummingbird router (without the loopback policy), for in-process tests.
    public static func router(
        store: CredentialStore,
        metrics: AgentMetrics,
        targets: [String],
        margin: Duration,
        now: @escaping @Sendable () -> Date
    ) -> Router<BasicRequestContext> {
        let server = HealthServer(store: store, metrics: metrics, targets: targets, margin: margin)
        let router = Router()
        for path in paths {
            router.get(RouterPath(path)) { request, _ in
                let answer = server.respond(to: LocalRequest(method: "GET", path: path), now: now())
                var fields = HTTPFields()
                for (name, value) in answer.headers {
                    if let name = HTTPFields.Element.Name(name) { fields[name] = value }
                }
                return Response(
                    status: .init(code: answer.status),
                    headers: fields,
                    body: .init(byteBuffer: ByteBuffer(string: answer.body))
                )
            }
        }
        return router
    }
}
