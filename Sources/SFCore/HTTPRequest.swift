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

    public init(
        method: String,
        endpoint: Endpoint,
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.endpoint = endpoint
        self.query = query
        self.headers = headers
        self.body = body
    }

    public var url: String { query.isEmpty ? endpoint.url : endpoint.url + "?" + query }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.endpoint == rhs.endpoint && lhs.query == rhs.query && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}
