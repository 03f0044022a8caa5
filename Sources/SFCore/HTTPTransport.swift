/// Sends HTTP requests. Production uses libcurl (`SFHTTP.CurlTransport`); tests pass closures.
public protocol HTTPTransport: Sendable {
    /// Sends the request; throws `HTTPTransportError` for anything that produced no HTTP response.
    func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse
}
