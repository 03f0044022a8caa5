import FoundationEssentials
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SFCore
import ServiceLifecycle

/// Serves a Hummingbird router on a local address as a lifecycle service.
///
/// Hummingbird's `Application` also runs a cache that reformats the `Date` header once a second,
/// which wakes the process 60 times a minute for as long as the pod lives. A sidecar serves a few
/// probe requests a minute, so this runs the same HTTP/1 server without that timer and stamps
/// `Date` per response instead. Idle, the agent then sleeps until its next refresh.
public struct LocalHTTPServer: Service, CustomStringConvertible {
    public var description: String { "LocalHTTPServer(\(address))" }

    public typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    let handler: Handler
    let address: ListenAddress
    let logger: Logger
    /// Timeouts and connection cap (the agent's `servers` configuration; the handshake timeout is unused).
    public var limits: ServerLimits = .loopback

    public init(router: Router<BasicRequestContext>, address: ListenAddress, logger: Logger) {
        let responder = router.buildResponder()
        self.init(address: address, logger: logger) { request, context in try await responder.respond(to: request, context: context) }
    }

    /// Serves a pure local endpoint (`LocalRequest` → `LocalResponse`); request bodies are not read.
    public init(address: ListenAddress, logger: Logger, endpoint: @escaping @Sendable (LocalRequest) async -> LocalResponse) {
        self.init(address: address, logger: logger) { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers where headers[field.name.canonicalName] == nil {
                headers[field.name.canonicalName] = field.value
            }
            // HTTPTypes moves HTTP/1's first Host header out of the fields into the authority.
            let query = request.uri.query ?? ""
            let local = LocalRequest(method: request.method.rawValue, path: request.uri.path, query: query,
                                     authority: request.head.authority, headers: headers)
            let answer = await endpoint(local)
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let name = HTTPFields.Element.Name(name) { fields[name] = value }
            }
            let body = request.method == .head ? ByteBuffer() : ByteBuffer(string: answer.body)
            fields[.contentLength] = "\(answer.body.utf8.count)"
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: body))
        }
    }

    public init(address: ListenAddress, logger: Logger, handler: @escaping Handler) {
        self.handler = handler
        self.address = address
        self.logger = logger
    }

    public func run() async throws {
        let handler = self.handler
        let logger = self.logger
        let limiter = ServerConnectionLimiter(limits: limits)
        // Idle, half-open and slow clients are closed by the limiter; at the cap the longest-idle one goes first.
        let builder = HTTPServerBuilder { responder in limiter.wrap(HTTP1Channel(responder: responder)) }
        let server = try builder.buildServer(
            configuration: .init(address: .hostname(address.host, port: address.port)),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        ) { request, responseWriter, channel in
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await handler(request, context)
            } catch let error as HTTPError {
                response = Response(status: error.status)
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = HTTPDate.format(Date())
            try await responseWriter.write(response: response.head, body: response.body)
        } onServerRunning: { channel in
            logger.info("listening", metadata: ["listen.address": "\(channel.localAddress?.description ?? "\(address)")"])
        }
        try await ListenError.naming(address) { try await server.run() }
    }
}

/// A local server could not take its address: which address, and what to check.
public struct ListenError: Error, CustomStringConvertible {
    public let address: ListenAddress
    public let cause: IOError

    public var description: String {
        let why: String
        switch cause.errnoCode {
        case EADDRINUSE:
            why = "another process already listens there (in a pod: another container, or any process on the node with hostNetwork); "
                + "change this listen address in the configuration, or stop the other listener"
        case EADDRNOTAVAIL:
            why = "no network interface has that address; use 127.0.0.1 or an address of this host"
        case EACCES:
            why = "ports below 1024 need privileges the agent does not have; use a port of 1024 or more"
        default:
            why = "check the address"
        }
        return "cannot listen on \(address): \(cause.description); \(why)"
    }

    /// Runs `body`, turning a failure to bind `address` into a `ListenError` (other errors pass through).
    public static func naming<T>(_ address: ListenAddress, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) {
            throw ListenError(address: address, cause: error)
        }
    }
}

/// RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), pure.
public enum HTTPDate {
    public static func format(_ date: Date) -> String {
        let c = Timestamp.civil(date)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((Int(date.timeIntervalSince1970.rounded(.down)) / 86_400) % 7 + 7) % 7]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][c.month - 1]
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(pad(c.day)) \(month) \(c.year) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)) GMT"
    }
}
