import FoundationEssentials
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SFCore
import ServiceLifecycle

/// The HTTP/1 server loop of the agent's loopback servers and of the webhook: plain or TLS, with the
/// connection limits (`ServerLimits`), a `Date` header per response and one place where handler errors
/// become responses.
///
/// Hummingbird's `Application` also runs a cache that reformats the `Date` header once a second,
/// which wakes the process 60 times a minute for as long as the pod lives. A sidecar serves a few
/// probe requests a minute, so this runs the same HTTP/1 server without that timer and stamps
/// `Date` per response instead. Idle, the agent then sleeps until its next refresh.
public struct HTTP1Server: Sendable {
    public typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    /// What the HTTP/1 channel runs over.
    public enum Transport: Sendable {
        case plain
        /// TLS with this configuration; the connection limits sit outside TLS, so a client that never
        /// finishes its handshake is timed out too.
        case tls(TLSConfiguration)
    }

    public var address: ListenAddress
    public var transport: Transport
    /// Timeouts and connection cap; the handshake timeout applies only under TLS.
    public var limits: ServerLimits
    /// Told when connections open and close (metrics).
    public var observer: ConnectionObserver
    /// Runs request handlers on the event loops (`EventLoopTaskExecutor`) instead of Swift's global pool.
    public var handlersOnEventLoops: Bool
    public var logger: Logger
    /// Called once the socket is bound, with its local address (the real port when `address` asks for port 0).
    public var onListening: @Sendable (SocketAddress?) -> Void
    let handler: Handler

    public init(
        address: ListenAddress,
        transport: Transport = .plain,
        limits: ServerLimits,
        observer: ConnectionObserver = .none,
        handlersOnEventLoops: Bool = false,
        logger: Logger,
        onListening: @escaping @Sendable (SocketAddress?) -> Void = { _ in },
        handler: @escaping Handler
    ) {
        self.address = address
        self.transport = transport
        self.limits = limits
        self.observer = observer
        self.handlersOnEventLoops = handlersOnEventLoops
        self.logger = logger
        self.onListening = onListening
        self.handler = handler
    }

    public func run() async throws {
        let handler = self.handler
        let logger = self.logger
        let onListening = self.onListening
        let address = self.address
        let group = MultiThreadedEventLoopGroup.singleton
        let limiter = ServerConnectionLimiter(limits: limits, observer: observer)
        let builder: HTTPServerBuilder
        switch transport {
        case .plain:
            // Idle, half-open and slow clients are closed by the limiter; at the cap the longest-idle one goes first.
            builder = HTTPServerBuilder { responder in limiter.wrap(HTTP1Channel(responder: responder)) }
        case .tls(let configuration):
            builder = HTTPServerBuilder { responder in
                limiter.wrap(
                    try TLSChannel(HTTP1Channel(responder: responder), tlsConfiguration: configuration),
                    handshakeCompleted: Self.isHandshakeCompleted
                )
            }
        }
        let server = try builder.buildServer(
            configuration: .init(address: .hostname(address.host, port: address.port)),
            eventLoopGroup: group,
            logger: logger
        ) { request, responseWriter, channel in
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await handler(request, context)
            } catch {
                response = Self.response(for: error, request: request.head, logger: logger)
            }
            response.headers[.date] = HTTPDate.format(Date())
            try await responseWriter.write(response: response.head, body: response.body)
        } onServerRunning: { channel in
            onListening(channel.localAddress)
        }
        if handlersOnEventLoops {
            // Connection tasks are children of this scope and inherit the preference.
            try await withTaskExecutorPreference(EventLoopTaskExecutor(group: group)) {
                try await ListenError.naming(address) { try await server.run() }
            }
        } else {
            try await ListenError.naming(address) { try await server.run() }
        }
    }

    /// The answer to a request whose handler threw: an `HTTPError` is an answer (its status); anything else
    /// is a fault, reported here once (the error's type and description, never the request's headers or
    /// body) and answered 500.
    public static func response(for error: any Error, request: HTTPRequest, logger: Logger) -> Response {
        if let error = error as? HTTPError {
            return Response(status: error.status)
        }
        logger.error(
            "request handler failed; answered 500",
            metadata: [
                "error": "\(error)", "error.type": "\(String(reflecting: type(of: error)))",
                "http.method": "\(request.method.rawValue)",
            ]
        )
        return Response(status: .internalServerError)
    }

    /// Recognises the TLS layer's "handshake done" event (the end of the handshake timeout).
    @Sendable static func isHandshakeCompleted(_ event: Any) -> Bool {
        if case .handshakeCompleted = event as? TLSUserEvent { return true }
        return false
    }
}
