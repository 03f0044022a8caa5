/// The proxy settings in effect for outbound requests, resolved from the environment the way curl does,
/// but explicitly (upper-case `HTTP_PROXY` is honoured too, as the AWS and Google SDKs do).
public struct ProxySettings: Sendable, Equatable {
    public var httpsProxy: String?
    public var httpProxy: String?
    /// Comma-separated hosts/domains/CIDRs that bypass the proxy (`NO_PROXY`).
    public var noProxy: String?

    public init(httpsProxy: String? = nil, httpProxy: String? = nil, noProxy: String? = nil) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }

    /// Lower-case names win over upper-case ones, as in curl.
    public static func from(environment: [String: String]) -> ProxySettings {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        return ProxySettings(httpsProxy: value("https_proxy", "HTTPS_PROXY"), httpProxy: value("http_proxy", "HTTP_PROXY"),
                             noProxy: value("no_proxy", "NO_PROXY"))
    }

    /// The proxy to use for a scheme, or nil for a direct connection.
    public func proxy(for scheme: Endpoint.Scheme) -> String? {
        scheme == .https ? httpsProxy : httpProxy
    }
}
