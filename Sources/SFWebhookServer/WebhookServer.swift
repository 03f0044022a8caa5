import FoundationEssentials
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import SFCore
import SFServer
import SFWebhook
import ServiceLifecycle

/// The mutating admission webhook over HTTPS: `POST /mutate`, `GET /healthz` (liveness: never depends on the
/// API server), `GET /readyz` (readiness: the ServiceAccount cache), `GET /metrics`.
///
/// TLS 1.2 or later. Each handshake takes the certificate `CertificateReloader` holds at that moment,
/// so a rotated certificate is served from the next connection on, without a restart.
public struct WebhookServer: Service, CustomStringConvertible {
    public var description: String { "WebhookServer(\(address))" }

    let address: ListenAddress
    let handler: AdmissionHandler
    let certificates: CertificateReloader
    let metrics: WebhookMetrics
    let limits: ServerLimits
    let logger: Logger
    let onListening: @Sendable (Int) -> Void
    /// Reads pods' ServiceAccounts; nil: pod annotations only.
    let serviceAccounts: ServiceAccountResolver?

    public init(
        address: ListenAddress,
        handler: AdmissionHandler,
        certificates: CertificateReloader,
        metrics: WebhookMetrics,
        limits: ServerLimits = .webhook,
        logger: Logger,
        serviceAccounts: ServiceAccountResolver? = nil,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.serviceAccounts = serviceAccounts
        self.address = address
        self.limits = limits
        self.handler = handler
        self.certificates = certificates
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
    }

    /// The routes, separate from TLS so that they can be tested over plain HTTP.
    public static func router(
        handler: AdmissionHandler,
        metrics: WebhookMetrics,
        logger: Logger,
        serviceAccounts: ServiceAccountResolver? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/mutate") { request, _ in
            let start = ContinuousClock.now
            let body: ByteBuffer
            do {
                if let length = request.headers[.contentLength].flatMap({ Int($0) }),
                    length > AdmissionHandler.maximumBodyBytes
                {
                    throw HTTPError(.contentTooLarge)
                }
                body = try await request.body.collect(upTo: AdmissionHandler.maximumBodyBytes)
            } catch {
                metrics.record(.invalid, duration: ContinuousClock.now - start)
                logger.warning(
                    "admission request refused",
                    metadata: ["reason": "body larger than \(AdmissionHandler.maximumBodyBytes) bytes"]
                )
                return text(
                    .contentTooLarge,
                    "request body is larger than \(AdmissionHandler.maximumBodyBytes) bytes; an AdmissionReview for "
                        + "one pod is far smaller\n"
                )
            }
            let answer: AdmissionHandler.Answer
            if let serviceAccounts {
                answer = await handler.handle(body: Array(buffer: body), lookup: serviceAccounts.lookup)
            } else {
                answer = handler.handle(body: Array(buffer: body))
            }
            metrics.record(answer.result, duration: ContinuousClock.now - start)
            var metadata: Logger.Metadata = ["admission.result": "\(answer.result.rawValue)"]
            if let uid = answer.uid { metadata["admission.uid"] = "\(uid)" }
            if let reason = answer.reason { metadata["reason"] = "\(reason)" }
            switch answer.result {
            case .invalid: logger.warning("admission request rejected", metadata: metadata)
            case .denied: logger.info("pod denied", metadata: metadata)
            case .injected, .skipped: logger.debug("admission answered", metadata: metadata)
            }
            if answer.status == 200 {
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: answer.body))
                )
            }
            return text(.init(code: answer.status), answer.body)
        }
        router.get("/healthz") { _, _ in
            text(.ok, "ok\n")
        }
        router.get("/readyz") { _, _ in
            guard let cache = serviceAccounts?.cache, !cache.isReady() else { return text(.ok, "ok\n") }
            return text(.serviceUnavailable, "waiting for the first list of ServiceAccounts\n")
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
        return router
    }

    /// TLS 1.2 suites offered: forward-secret (ECDHE) key exchange with AEAD ciphers only, as Mozilla's
    /// "intermediate" profile; no CBC, no SHA-1 MAC, no static-RSA key exchange. TLS 1.3 suites are
    /// BoringSSL's fixed set (all AEAD) and are not affected.
    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: message))
        )
    }

    public func run() async throws {
        let responder = Self.router(
            handler: handler,
            metrics: metrics,
            logger: logger,
            serviceAccounts: serviceAccounts
        ).buildResponder()
        let logger = self.logger
        let address = self.address
        let onListening = self.onListening
        let certificates = self.certificates
        let limits = self.limits
        let initial = certificates.initial
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) },
            privateKey: .privateKey(initial.key)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuiteValues = Self.tls12CipherSuites
        tls.sslContextCallback = { _, promise in
            promise.succeed(certificates.override)
        }
        let server = HTTP1Server(
            address: address,
            transport: .tls(tls),
            limits: limits,
            observer: metrics.connectionObserver,
            handlersOnEventLoops: true,
            logger: logger,
            onListening: { local in
                logger.info(
                    "webhook listening",
                    metadata: [
                        "listen.address": "\(local?.description ?? "\(address)")", "tls.minimumVersion": "1.2",
                        "connections.maximum": "\(limits.maximumConnections)",
                    ]
                )
                onListening(local?.port ?? address.port)
            }
        ) { request, context in
            try await responder.respond(to: request, context: context)
        }
        try await server.run()
    }
}
