/// How one request leaves the machine: straight to the host, or through a proxy.
public enum ProxyRoute: Sendable, Equatable, CustomStringConvertible {
    /// Through this proxy URL (as configured, credentials included: never log it, log `description`).
    case proxy(String)
    case direct(DirectReason)

    public enum DirectReason: Sendable, Equatable {
        /// No proxy variable applies to the scheme.
        case noProxyConfigured
        /// Loopback, link-local or a cloud metadata host: never proxied, whatever `NO_PROXY` says.
        case neverProxied
        /// Matched by `NO_PROXY`.
        case noProxyEntry
    }

    /// The proxy URL to hand to the transport, or nil for a direct connection.
    public var proxyURL: String? {
        if case .proxy(let url) = self { return url }
        return nil
    }

    public var description: String {
        switch self {
        case .proxy(let url): return "via \(ProxySettings.redact(url))"
        case .direct(.noProxyConfigured): return "direct (no proxy configured)"
        case .direct(.neverProxied): return "direct (loopback, link-local and metadata hosts are never proxied)"
        case .direct(.noProxyEntry): return "direct (NO_PROXY)"
        }
    }
}
