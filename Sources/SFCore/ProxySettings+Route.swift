extension ProxySettings {
    /// The route for a request to `endpoint`. Loopback (127.0.0.0/8, ::1, `localhost`, `*.localhost`),
    /// link-local (169.254.0.0/16, fe80::/10) and metadata hosts are always direct: the requests to
    /// them carry credentials (container-credentials `Authorization`, IMDSv2 tokens) over plain HTTP.
    public func route(for endpoint: Endpoint) -> ProxyRoute {
        if Self.isNeverProxied(host: endpoint.host) { return .direct(.neverProxied) }
        guard let proxy = proxy(for: endpoint.scheme) else { return .direct(.noProxyConfigured) }
        if let noProxy, NoProxyList(noProxy).matches(host: endpoint.host) { return .direct(.noProxyEntry) }
        return .proxy(proxy)
    }

    private static let neverProxiedNetworks: [(IPAddress, Int)] = {
        let blocks: [(String, Int)] = [("127.0.0.0", 8), ("169.254.0.0", 16), ("::1", 128), ("fe80::", 10)]
        return blocks.map { (IPAddress($0.0)!, $0.1) }
    }()

    /// True for hosts whose requests must never reach a proxy (see `route(for:)`).
    public static func isNeverProxied(host: String) -> Bool {
        let name = NoProxyList.normalize(host)
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if let address = IPAddress(name)?.unmapped {
            if neverProxiedNetworks.contains(where: { address.isIn($0.0, prefixLength: $0.1) }) { return true }
            return Endpoint.metadataHosts.contains { IPAddress($0) == address }
        }
        return Endpoint.metadataHosts.contains(name)
    }
}
