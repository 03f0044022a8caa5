/// An outbound HTTP request, as built by pure request builders.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var endpoint: Endpoint
    /// Raw query string without `?` (already encoded), or empty.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, endpoint: Endpoint, query: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.endpoint = endpoint
        self.query = query
        self.headers = headers
        self.body = body
    }

    public var url: String { query.isEmpty ? endpoint.url : endpoint.url + "?" + query }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.endpoint == rhs.endpoint && lhs.query == rhs.query && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// A received HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends HTTP requests. Production uses libcurl (`SFHTTP.CurlTransport`); tests pass closures.
public protocol HTTPTransport: Sendable {
    /// Sends the request; throws `HTTPTransportError` for anything that produced no HTTP response.
    func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse
}

/// Failures below HTTP: nothing usable came back.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(url: String, reason: String)
    case timedOut(url: String, after: Duration)
    case tls(url: String, reason: String)
    case responseTooLarge(url: String, limit: Int)
    case cancelled(url: String)
    case other(url: String, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let url, let reason): return "cannot connect to \(url): \(reason)"
        case .timedOut(let url, let after): return "no complete response from \(url) within \(after.components.seconds) s"
        case .tls(let url, let reason): return "TLS with \(url) failed: \(reason)"
        case .responseTooLarge(let url, let limit): return "the response from \(url) exceeds \(limit) bytes"
        case .cancelled(let url): return "the request to \(url) was cancelled"
        case .other(let url, let reason): return "the request to \(url) failed: \(reason)"
        }
    }
}
