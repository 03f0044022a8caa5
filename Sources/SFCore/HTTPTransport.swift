/// An outbound HTTP request, as built by pure request builders.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var endpoint: Endpoint
    /// Raw query string without `?` (already encoded), or empty.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Where a header's value came from, by lower-case header name (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    /// /path`), for the transport's error when the value cannot be sent. Headers not listed were built by
    /// Skyferry itself. Not part of equality.
    public var headerOrigins: [String: String] = [:]

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

/// The rules for header fields Skyferry sends (RFC 9110 §5): a name is a token, a value holds no control
/// character. A CR or LF in a value would end the header and start another one (header injection).
public enum HTTPHeaderRules {
    /// Why `name: value` cannot be sent, or nil. Never quotes the value (it is often a secret).
    public static func problem(name: String, value: String) -> String? {
        let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)
        let nameIsToken = !name.isEmpty && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte | 0x20) || tokenSymbols.contains(byte)
        }
        guard nameIsToken else { return "has a name that is not an HTTP token" }
        if let offset = controlCharacterOffset(value) {
            return "contains a control character (\(controlName(value, at: offset))) at byte \(offset) of its value"
        }
        return nil
    }

    /// The byte offset of the first C0 control (NUL, CR, LF, TAB, …) or DEL, or nil.
    public static func controlCharacterOffset(_ value: String) -> Int? {
        let index = value.utf8.firstIndex { $0 < 0x20 || $0 == 0x7F }
        return index.map { value.utf8.distance(from: value.utf8.startIndex, to: $0) }
    }

    /// `CR`, `LF`, `NUL`, `TAB` or `0xNN` for the control byte at `offset`.
    public static func controlName(_ value: String, at offset: Int) -> String {
        let byte = Array(value.utf8)[offset]
        switch byte {
        case 0x0D: return "CR"
        case 0x0A: return "LF"
        case 0x00: return "NUL"
        case 0x09: return "TAB"
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            return "0x" + (hex.count < 2 ? "0" + hex : hex)
        }
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
    /// A header that cannot be sent as it is (a CR/LF would add headers); nothing was sent.
    case invalidHeader(url: String, name: String, origin: String, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let url, let reason): return "cannot connect to \(url): \(reason)"
        case .timedOut(let url, let after): return "no complete response from \(url) within \(after.components.seconds) s"
        case .tls(let url, let reason): return "TLS with \(url) failed: \(reason)"
        case .responseTooLarge(let url, let limit): return "the response from \(url) exceeds \(limit) bytes"
        case .cancelled(let url): return "the request to \(url) was cancelled"
        case .other(let url, let reason): return "the request to \(url) failed: \(reason)"
        case .invalidHeader(let url, let name, let origin, let reason):
            return "refusing to send the request to \(url): header \(name) (value from \(origin)) \(reason); "
                + "the value is not shown. Check \(origin) for a stray line break or control character"
        }
    }
}
