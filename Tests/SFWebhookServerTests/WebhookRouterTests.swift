import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SFWebhook
import SFWebhookServer
import Testing

/// `WebhookServer.router`: the route table and its exact statuses, in process (no TLS, no socket).
struct WebhookRouterTests {
    static let handler = AdmissionHandler(
        mutator: PodMutator(
            agent: AgentContainerConfiguration(image: "ghcr.io/example/skyferry:0.1.0"),
            nativeSidecars: true
        )
    )
    static let review =
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","#
        + #""kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"shop","#
        + #""object":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"i"}]}}}}"#

    static func test(
        _ body: @escaping @Sendable (any TestClientProtocol, WebhookMetrics) async throws -> Void
    ) async throws {
        let metrics = WebhookMetrics()
        let router = WebhookServer.router(handler: handler, metrics: metrics, logger: Logger(label: "test"))
        try await Application(router: router).test(.router) { client in try await body(client, metrics) }
    }

    @Test("POST /mutate answers the AdmissionReview as JSON and counts it")
    func mutate() async throws {
        try await Self.test { client, metrics in
            try await client.execute(uri: "/mutate", method: .post, body: ByteBuffer(string: Self.review)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(
                    String(buffer: response.body)
                        == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","#
                        + #""response":{"uid":"u-1","allowed":true}}"#
                )
            }
            let text = String(decoding: metrics.render(), as: UTF8.self)
            #expect(text.contains(#"skyferry_webhook_admissions_total{result="skipped"} 1"#))
        }
    }

    @Test("POST /mutate with a body that is no AdmissionReview: the handler's status, as text")
    func invalidBody() async throws {
        let answer = Self.handler.handle(body: Array("not json".utf8))
        try await Self.test { client, metrics in
            try await client.execute(uri: "/mutate", method: .post, body: ByteBuffer(string: "not json")) { response in
                #expect(response.status == .badRequest)
                #expect(response.status.code == answer.status)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                #expect(String(buffer: response.body) == answer.body)
            }
            #expect(
                String(decoding: metrics.render(), as: UTF8.self)
                    .contains(#"skyferry_webhook_admissions_total{result="invalid"} 1"#)
            )
        }
    }

    @Test("POST /mutate over the body limit: 413, counted as invalid")
    func tooLarge() async throws {
        let body = ByteBuffer(repeating: UInt8(ascii: " "), count: AdmissionHandler.maximumBodyBytes + 1)
        try await Self.test { client, metrics in
            try await client.execute(uri: "/mutate", method: .post, body: body) { response in
                #expect(response.status == .contentTooLarge)
                let limit = AdmissionHandler.maximumBodyBytes
                #expect(
                    String(buffer: response.body)
                        == "request body is larger than \(limit) bytes; an AdmissionReview for one pod is far smaller\n"
                )
            }
            #expect(
                String(decoding: metrics.render(), as: UTF8.self)
                    .contains(#"skyferry_webhook_admissions_total{result="invalid"} 1"#)
            )
        }
    }

    @Test("GET /healthz and GET /metrics")
    func healthAndMetrics() async throws {
        try await Self.test { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.contains(#"skyferry_webhook_admissions_total{result="injected"} 0"#))
                #expect(text.contains("skyferry_webhook_connections_open 0"))
            }
        }
    }

    /// Hummingbird's router has no 405: a known path asked with another method is not routed either.
    @Test("unknown paths, and known paths with another method, are 404")
    func notRouted() async throws {
        try await Self.test { client, _ in
            for (uri, method, status) in [
                ("/", HTTPRequest.Method.get, HTTPResponse.Status.notFound), ("/mutate/x", .post, .notFound),
                ("/validate", .post, .notFound), ("/mutate", .get, .notFound),
                ("/healthz", .post, .notFound), ("/metrics", .delete, .notFound),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == status, "\(method) \(uri)")
                }
            }
        }
    }
}
