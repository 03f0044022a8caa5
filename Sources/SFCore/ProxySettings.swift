/// The proxy settings in effect for outbound requests, resolved from the environment the way curl does,
/// but explicitly (upper-case `HTTP_PROXY` is honoured too, as the AWS and Google SDKs do).
public struct ProxySettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
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

    /// Proxy URLs may carry `user:password@`: shown with the password masked.
    public var description: String {
        "ProxySettings(https: \(Self.redact(httpsProxy)), http: \(Self.redact(httpProxy)), noProxy: \(noProxy ?? "-"))"
    }

    public var debugDescription: String { description }

    /// `http://user:***@host:port`, or the URL unchanged when it has no credentials.
    public static func redact(_ url: String?) -> String {
        guard let url else { return "-" }
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[scheme.upperBound..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return String(url[..<scheme.upperBound]) + user + ":***" + String(url[at...])
    }

    /// The proxy to use for a scheme, or nil for a direct connection.
    public func proxy(for scheme: Endpoint.Scheme) -> String? {
        scheme == .https ? httpsProxy : httpProxy
    }
}
