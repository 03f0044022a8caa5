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
        case .timedOut(let url, let after):
            return "no complete response from \(url) within \(after.components.seconds) s"
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
