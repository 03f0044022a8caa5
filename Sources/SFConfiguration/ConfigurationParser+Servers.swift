import SFCore
import SFYAML

extension ConfigurationParser {
    /// The `server` keys: the webhook's `server` keys and ranges, without `handshakeTimeoutSeconds`
    /// (the agent's loopback servers speak plain HTTP: there is no handshake to time).
    static let serverKeys = ["readTimeoutSeconds", "idleTimeoutSeconds", "maxConnections"]

    /// `server`: timeouts and the connection cap of every loopback server the agent runs
    /// (`awsContainerEndpoint`, `gcpMetadataServer`, `imdsListen`, `health`). Each key is optional;
    /// the defaults are `ServerLimits.loopback`'s.
    func readServer(_ node: YAMLNode, _ r: ConfigurationReader) -> ServerLimits? {
        var node = node
        var ok = true
        // Copied from the webhook's `server`, this key would otherwise read as a typo of idleTimeoutSeconds.
        if case .mapping(let pairs) = node.value {
            for pair in pairs where pair.key.scalar == "handshakeTimeoutSeconds" {
                r.fail(
                    "server.handshakeTimeoutSeconds",
                    pair.key,
                    "not accepted by the agent: its loopback servers "
                        + "speak plain HTTP, there is no TLS handshake to time; expected one of: "
                        + Self.serverKeys.joined(separator: ", ")
                )
                ok = false
            }
            node.value = .mapping(pairs.filter { $0.key.scalar != "handshakeTimeoutSeconds" })
        }
        guard let entries = r.mapping(node, at: "server", allowed: Self.serverKeys) else { return nil }
        var limits = ServerLimits.loopback
        func integer(_ key: String, _ range: ClosedRange<Int>, into field: WritableKeyPath<ServerLimits, Int>) {
            guard let node = entries[key] else { return }
            if let value = r.integer(node, at: "server." + key, range: range) {
                limits[keyPath: field] = value
            } else {
                ok = false
            }
        }
        integer("readTimeoutSeconds", ServerLimits.timeoutRange, into: \.readTimeoutSeconds)
        integer("idleTimeoutSeconds", ServerLimits.timeoutRange, into: \.idleTimeoutSeconds)
        integer("maxConnections", ServerLimits.connectionsRange, into: \.maximumConnections)
        return ok ? limits : nil
    }
}
