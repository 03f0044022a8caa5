/// Sends a request whose answer is a long-lived stream of lines (a Kubernetes watch). Production uses libcurl
/// (`SFHTTP.CurlLineStreamTransport`); tests pass closures.
public protocol HTTPLineStreamTransport: Sendable {
    /// Sends the request. For a 2xx answer, `onLine` gets each newline-terminated line of the body (without
    /// the newline, empty lines skipped) as it arrives, on the transfer's own thread, until the body ends,
    /// `onLine` returns false (the transfer stops and this returns normally), `timeout` passes or the task is
    /// cancelled. Any other answer is returned whole, with a body of at most 1 MiB, and `onLine` is not called.
    /// A stream broken before its end throws.
    func stream(
        _ request: HTTPRequest,
        timeout: Duration,
        onLine: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(HTTPTransportError) -> HTTPResponse
}
