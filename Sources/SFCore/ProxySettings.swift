/// The proxy settings in effect for outbound requests, read from the environment once and applied by
/// `route(for:)`, a pure decision the transport follows (libcurl never reads the environment itself).
///
/// Variables, per scheme, first non-empty wins:
/// - `https://`: `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`;
/// - `http://`: `http_proxy`, `HTTP_PROXY`, `all_proxy`, `ALL_PROXY`.
///
/// curl ignores upper-case `HTTP_PROXY` because a CGI program receives a client's `Proxy:` header as
/// that variable ("httpoxy"). Skyferry is never a CGI program and its environment comes from the pod
/// spec, so it honours `HTTP_PROXY` as the AWS and Google SDKs do. Plain `http://` goes only to loopback
/// and metadata hosts, which are never proxied, so in practice only `https://` requests use a proxy.
public struct ProxySettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var httpsProxy: String?
    public var httpProxy: String?
    /// Comma- or space-separated hosts/domains/IPs/CIDRs that bypass the proxy (`NO_PROXY`).
    public var noProxy: String?
    /// The proxy for any scheme without its own (`ALL_PROXY`).
    public var allProxy: String?

    public init(httpsProxy: String? = nil, httpProxy: String? = nil, noProxy: String? = nil, allProxy: String? = nil) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
        self.allProxy = allProxy
    }

    /// Lower-case names win over upper-case ones, as in curl.
    public static func from(environment: [String: String]) -> ProxySettings {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        return ProxySettings(
            httpsProxy: value("https_proxy", "HTTPS_PROXY"),
            httpProxy: value("http_proxy", "HTTP_PROXY"),
            noProxy: value("no_proxy", "NO_PROXY"),
            allProxy: value("all_proxy", "ALL_PROXY")
        )
    }

    /// Proxy URLs may carry `user:password@`: shown with the credentials masked.
    public var description: String {
        var text =
            "ProxySettings(https: \(Self.redact(httpsProxy)), http: \(Self.redact(httpProxy)), "
            + "noProxy: \(noProxy ?? "-")"
        if let allProxy { text += ", all: \(Self.redact(allProxy))" }
        return text + ")"
    }

    public var debugDescription: String { description }

    /// The proxy URL with its credentials masked, in every form a proxy variable takes:
    /// `http://user:pass@h:3128` → `http://user:***@h:3128`, `user:pass@h:3128` → `user:***@h:3128`,
    /// and a lone user (often a token: `http://TOKEN@h`) → `http://***@h`. Percent-encoded user
    /// names are kept encoded. The URL is returned unchanged when it carries no `@`.
    public static func redact(_ url: String?) -> String {
        guard let url else { return "-" }
        let afterScheme = url.firstRange(of: "://")?.upperBound ?? url.startIndex
        // The last `@` ends the user information: a password may contain an unencoded `@` or `/`.
        guard let at = url[afterScheme...].lastIndex(of: "@") else { return url }
        let userInfo = url[afterScheme..<at]
        let masked: String
        if let colon = userInfo.firstIndex(of: ":") {
            masked = String(userInfo[..<colon]) + ":***"
        } else {
            masked = "***"
        }
        return String(url[..<afterScheme]) + masked + String(url[at...])
    }

    /// The proxy configured for a scheme (its own variable, else `ALL_PROXY`), before any bypass rule.
    public func proxy(for scheme: Endpoint.Scheme) -> String? {
        (scheme == .https ? httpsProxy : httpProxy) ?? allProxy
    }
}
