import FoundationEssentials
import SFCore

/// Which requests a loopback server of the agent answers at all, decided before its responder runs.
///
/// A web page can reach `127.0.0.1` through the browser: by DNS rebinding (its own name, re-pointed at
/// 127.0.0.1, so the browser sends `Host: attacker.example`) or by plain cross-origin requests. The
/// metadata emulations need no secret beyond a fixed header, so such a page could read tokens. This
/// policy answers only requests that name this server in `Host` and carry no browser or proxy traces:
///
/// - `OPTIONS` (a CORS preflight), `Origin` or any `Sec-Fetch-*` header: 403 (no SDK sends them).
/// - `Forwarded`, `X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto`, `X-Real-IP`, `Via`:
///   403 (a proxied request is an SSRF attempt; the real GCE and EC2 metadata servers refuse them too).
/// - `Host` missing or sent twice: 400 (RFC 9112 §3.2; every SDK sends exactly one).
/// - `Host` naming anything but `127.0.0.1`, `localhost`, `[::1]`, the listen host or an allowed
///   host, or naming another port: 403.
///
/// Pure: a function of the request and the server's address, tested with exact values.
public struct LoopbackRequestPolicy: Sendable, Equatable {
    /// The names every loopback server answers to.
    public static let loopbackNames = ["127.0.0.1", "localhost", "::1"]
    /// Headers a proxy adds; a request carrying one did not come straight from a process in the pod.
    public static let forwardingHeaders = [
        "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
        "x-real-ip", "via",
    ]

    /// Accepted `Host` names, lower-cased, IPv6 literals without brackets, in display order.
    public let hostNames: [String]
    /// The listening port: a `Host` with a port must name this one.
    public let port: Int

    /// - Parameters:
    ///   - listen: the address the server binds; its host is accepted besides the loopback names.
    ///   - allowedHosts: further names (`awsContainerEndpoint.allowedHosts` on a non-loopback endpoint).
    public init(listen: ListenAddress, allowedHosts: [String] = []) {
        var names = Self.loopbackNames
        for name in [listen.host] + allowedHosts {
            let lower = Self.unbracketed(name.lowercased())
            if !names.contains(lower) { names.append(lower) }
        }
        hostNames = names
        port = listen.port
    }

    /// Why a request is refused: the status and a one-line reason for the response body.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public var status: Int
        public var reason: String

        public init(status: Int, reason: String) {
            self.status = status
            self.reason = reason
        }

        public var description: String { "\(status): \(reason)" }
    }

    /// Nil when the request may reach the server's responder, else why not.
    public func check(_ request: LocalRequest) -> Refusal? {
        if request.method.uppercased() == "OPTIONS" {
            return Refusal(status: 403, reason: "OPTIONS (a CORS preflight) is refused: no browser is served here")
        }
        let names = request.headers.keys.sorted()
        if let browser = names.first(where: { $0 == "origin" || $0.hasPrefix("sec-fetch-") }) {
            return Refusal(
                status: 403,
                reason: "requests with \(Self.display(browser)) are refused: this endpoint "
                    + "serves processes in this pod, never a browser"
            )
        }
        if let forwarded = names.first(where: Self.forwardingHeaders.contains) {
            return Refusal(
                status: 403,
                reason: "requests with \(Self.display(forwarded)) are refused: this endpoint "
                    + "answers only direct requests from this pod, never through a proxy"
            )
        }
        guard let authority = request.authority, request.header("host") == nil else {
            return Refusal(status: 400, reason: "exactly one Host header is required (HTTP/1.1)")
        }
        guard accepts(authority: authority) else {
            let expected = hostNames.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ", ")
            return Refusal(
                status: 403,
                reason: "the Host header names another server (DNS rebinding?); "
                    + "accepted: \(expected), optionally with :\(port)"
            )
        }
        return nil
    }

    /// Whether `Host: authority` names this server: an accepted name, with no port or this port.
    public func accepts(authority: String) -> Bool {
        guard let (host, port) = Self.split(authority: authority.lowercased()) else { return false }
        return hostNames.contains(host) && (port == nil || port == self.port)
    }

    /// `host[:port]` or `[v6][:port]` → (host without brackets, port); nil when malformed. An empty
    /// port (`host:`) counts as none, as RFC 3986 allows.
    static func split(authority: String) -> (host: String, port: Int?)? {
        let host: Substring
        let rest: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            rest = authority[authority.index(after: close)...]
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            rest = authority[colon...]
        } else {
            host = authority[...]
            rest = ""
        }
        guard !host.isEmpty else { return nil }
        if rest.isEmpty || rest == ":" { return (String(host), nil) }
        let digits = rest.dropFirst()
        guard rest.first == ":", digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(digits)
        else { return nil }
        return (String(host), port)
    }

    static func unbracketed(_ name: String) -> String {
        name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
    }

    /// A lower-cased header name as SDK documentation spells it (`x-real-ip` → `X-Real-IP`).
    static func display(_ name: String) -> String {
        name.split(separator: "-").map { part in
            ["ip", "www"].contains(part) ? part.uppercased() : part.prefix(1).uppercased() + part.dropFirst()
        }.joined(separator: "-")
    }

    /// Runs `respond` only for requests the policy lets through; refusals are rendered by `refuse`, in the
    /// shape of the server's own errors. The result is the server's whole request handling, pure but for
    /// what `respond` itself touches: a fuzz target can call it without any server stack.
    public func guarding(
        refuse: @escaping @Sendable (Refusal) -> LocalResponse,
        _ respond: @escaping @Sendable (LocalRequest, Date) async -> LocalResponse
    ) -> @Sendable (LocalRequest, Date) async -> LocalResponse {
        let policy = self
        return { request, now in
            if let refusal = policy.check(request) { return refuse(refusal) }
            return await respond(request, now)
        }
    }
}
