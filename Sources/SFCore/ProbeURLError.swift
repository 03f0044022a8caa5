/// Why `skyferry probe` refuses its URL (it follows `probe: `; the command ends with `configurationInvalid`).
public enum ProbeURLError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(url: String, underlying: EndpointError)
    /// A valid URL, but not plain http to a loopback host.
    case notLoopbackHTTP(url: String)

    public var description: String {
        switch self {
        case .invalid(let url, let underlying):
            return "\(url): \(underlying)"
        case .notLoopbackHTTP(let url):
            return "\(url) is not a plain http URL on a loopback host (the agent's health server listens on loopback)"
        }
    }
}
