import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SFCore
import SFLocalEndpoints
import SFServer
import ServiceLifecycle

/// One of the agent's loopback servers as a lifecycle service: `HTTP1Server` over plain HTTP, converting
/// requests to `LocalRequest` and `LocalResponse`s back (the endpoints themselves are pure, in SFLocalEndpoints).
public struct LocalHTTPServer: Service, CustomStringConvertible {
    public var description: String { "LocalHTTPServer(\(address))" }

    public typealias Handler = HTTP1Server.Handler

    let handler: Handler
    let address: ListenAddress
    let logger: Logger
    /// Timeouts and connection cap (the agent's `servers` configuration; the handshake timeout is unused).
    public var limits: ServerLimits = .loopback
    /// Told when connections open and close (metrics).
    public var observer: ConnectionObserver = .none

    public init(router: Router<BasicRequestContext>, address: ListenAddress, logger: Logger) {
        let responder = router.buildResponder()
        self.init(address: address, logger: logger) { request, context in
            try await responder.respond(to: request, context: context)
        }
    }

    /// Serves a pure local endpoint (`LocalRequest` → `LocalResponse`); request bodies are not read.
    public init(
        address: ListenAddress,
        logger: Logger,
        endpoint: @escaping @Sendable (LocalRequest) async -> LocalResponse
    ) {
        self.init(address: address, logger: logger) { request, _ in
            let answer = await endpoint(Self.localRequest(request))
            return Self.response(answer, head: request.method == .head)
        }
    }

    public init(address: ListenAddress, logger: Logger, handler: @escaping Handler) {
        self.handler = handler
        self.address = address
        self.logger = logger
    }

    /// The request as the pure endpoints see it: header names lower-cased, the first value of each.
    static func localRequest(_ request: Request) -> LocalRequest {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        // HTTPTypes moves HTTP/1's first Host header out of the fields into the authority.
        return LocalRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            authority: request.head.authority,
            headers: headers
        )
    }

    /// The endpoint's answer as an HTTP response; a HEAD response has the length of the GET body, no body.
    static func response(_ answer: LocalResponse, head: Bool) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPFields.Element.Name(name) { fields[name] = value }
        }
        let body = head ? ByteBuffer() : ByteBuffer(string: answer.body)
        fields[.contentLength] = "\(answer.body.utf8.count)"
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: body))
    }

    public func run() async throws {
        let logger = self.logger
        let address = self.address
        let server = HTTP1Server(
            address: address,
            limits: limits,
            observer: observer,
            logger: logger,
            onListening: { local in
                logger.info(
                    "listening",
                    metadata: [
                        "listen.address": "\(local?.description ?? "\(address)")"
                    ]
                )
            },
            handler: handler
        )
        try await server.run()
    }
}
