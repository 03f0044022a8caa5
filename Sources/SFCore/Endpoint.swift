/// An HTTP(S) endpoint Skyferry talks to, validated once: HTTPS anywhere, plain HTTP only to loopback.
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https }

    public let scheme: Scheme
    /// Host name or IP literal (IPv6 without brackets).
    public let host: String
    public let port: Int?
    /// The path, always starting with `/` (`/` when the URL had none).
    public let path: String

    public init(scheme: Scheme, host: String, port: Int? = nil, path: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path.isEmpty ? "/" : path
    }

    /// The URL as libcurl takes it.
    public var url: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let portPart = port.map { ":\($0)" } ?? ""
        return "\(scheme.rawValue)://\(hostPart)\(portPart)\(path)"
    }

    /// `host[:port]`, as an HTTP `Host` header carries it.
    public var authority: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(hostPart):\($0)" } ?? hostPart
    }

    public var description: String { url }

    /// A copy with `suffix` appended to the path (`/v1` + `/projects/...`).
    public func appendingPath(_ suffix: String) -> Endpoint {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return Endpoint(
            scheme: scheme,
            host: host,
            port: port,
            path: base + (suffix.hasPrefix("/") ? suffix : "/" + suffix)
        )
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`.
    public var isLoopback: Bool { Self.isLoopbackHost(host) }

    public static func isLoopbackHost(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "0:0:0:0:0:0:0:1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// Parses and checks a URL. Rejects userinfo, query strings and fragments (none of our endpoints take them),
    /// and plain `http://` to anything but loopback.
    /// Cloud metadata servers: plain HTTP on link-local addresses, by design of GCE, EC2 and ECS.
    public static let metadataHosts: Set<String> = [
        "169.254.169.254", "metadata.google.internal", "metadata", "fd00:ec2::254", "169.254.170.2", "169.254.170.23",
        "fd00:ec2::23",
    ]

    public init(parsing text: String, allowMetadataHosts: Bool = false) throws(EndpointError) {
        let schemeEnd = text.firstRange(of: "://")
        guard let schemeEnd else { throw .notAURL(text) }
        guard let scheme = Scheme(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
            throw .unsupportedScheme(text)
        }
        let rest = text[schemeEnd.upperBound...]
        guard !rest.contains("?"), !rest.contains("#") else { throw .hasQueryOrFragment(text) }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = String(rest[authorityEnd...])
        guard !authority.contains("@") else { throw .hasUserInfo(text) }

        var host: Substring
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .notAURL(text) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { throw .badPort(text) }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]) else { throw .badPort(text) }
            port = p
        } else {
            host = authority
        }
        if let port, !(1...65535).contains(port) { throw .badPort(text) }
        guard !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" })
        else { throw .notAURL(text) }
        guard path.allSatisfy({ !$0.isWhitespace }) else { throw .notAURL(text) }
        if scheme == .http, !Self.isLoopbackHost(String(host)),
            !(allowMetadataHosts && Self.metadataHosts.contains(host.lowercased()))
        {
            throw .plainHTTPNotLoopback(text)
        }
        self.init(scheme: scheme, host: String(host), port: port, path: path)
    }
}

/// Why a URL is not an acceptable endpoint.
public enum EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAURL(String)
    case unsupportedScheme(String)
    case hasUserInfo(String)
    case hasQueryOrFragment(String)
    case badPort(String)
    case plainHTTPNotLoopback(String)

    public var description: String {
        switch self {
        case .notAURL(let s): return "\"\(s)\" is not a URL (expected https://HOST[:PORT][/PATH])"
        case .unsupportedScheme(let s):
            return "\"\(s)\" uses an unsupported scheme (expected https://, or http:// to a loopback host)"
        case .hasUserInfo(let s): return "\"\(s)\" carries user information; put no credentials in endpoint URLs"
        case .hasQueryOrFragment(let s): return "\"\(s)\" has a query or fragment; give the base URL only"
        case .badPort(let s): return "\"\(s)\" has an invalid port (expected 1-65535)"
        case .plainHTTPNotLoopback(let s):
            return
                "\"\(s)\" is plain http:// to a non-loopback host; use https:// (http:// is allowed only for "
                + "localhost, 127.0.0.0/8 and ::1)"
        }
    }
}
