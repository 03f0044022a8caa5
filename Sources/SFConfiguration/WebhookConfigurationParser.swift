import SFCore
import SFWebhook
import SFYAML

/// Parses and validates the webhook's YAML configuration with the agent's reader: the same size cap,
/// "did you mean" for unknown keys, booleans and integer ranges, every issue collected.
public struct WebhookConfigurationParser: Sendable {
    public init() {}

    /// Parses `text`; `origin` (the file path) is only used in messages.
    public func parse(_ text: String, origin: String) throws(ConfigurationError) -> WebhookConfiguration {
        try ConfigurationReader.read(text, origin: origin, read)
    }

    func read(_ root: YAMLNode, _ r: ConfigurationReader) -> WebhookConfiguration? {
        let keys = ["listen", "tls", "agent", "nativeSidecars", "server", "azure", "kubernetes"]
        guard let top = r.mapping(root, at: "", allowed: keys) else { return nil }
        var listen: ListenAddress? = WebhookConfiguration.defaultListen
        if let node = top["listen"] {
            listen = r.string(node, at: "listen").flatMap { text in
                guard let address = ListenAddress(text) else {
                    r.fail(
                        "listen",
                        node,
                        "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. "
                            + "0.0.0.0:8443)"
                    )
                    return nil
                }
                return address
            }
        }
        let tls = r.required(top, "tls", at: "", parent: root).flatMap { readTLS($0, r) }
        let agent = r.required(top, "agent", at: "", parent: root).flatMap { readAgent($0, r) }
        var nativeSidecars: Bool? = true
        if let node = top["nativeSidecars"] {
            nativeSidecars = r.boolean(node, at: "nativeSidecars", hint: "false for clusters before Kubernetes 1.29")
        }
        let server = top["server"].map { readServer($0, r) } ?? .webhook
        let azure = top["azure"].map { readAzure($0, r) } ?? AzureWebhookConfiguration()
        let kubernetes = top["kubernetes"].map { readKubernetes($0, r) } ?? KubernetesConfiguration()
        guard let listen, let tls, let agent, let nativeSidecars, let server, let azure, let kubernetes else {
            return nil
        }
        return WebhookConfiguration(
            listen: listen,
            tls: tls,
            agent: agent,
            nativeSidecars: nativeSidecars,
            server: server,
            azure: azure,
            kubernetes: kubernetes
        )
    }

    /// `azure`: `cloud` (public, usgov, china; default public) and an optional `authorityHost` URL.
    func readAzure(_ node: YAMLNode, _ r: ConfigurationReader) -> AzureWebhookConfiguration? {
        guard let entries = r.mapping(node, at: "azure", allowed: ["cloud", "authorityHost"]) else { return nil }
        var azure = AzureWebhookConfiguration()
        if let node = entries["cloud"] {
            guard let text = r.string(node, at: "azure.cloud") else { return nil }
            guard let cloud = AzureCloud(rawValue: text) else {
                let names = AzureCloud.allCases.map(\.rawValue)
                let hint = ConfigurationReader.closest(to: text, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
                r.fail(
                    "azure.cloud",
                    node,
                    "\"\(text)\" is not an Azure cloud\(hint) (expected one of: \(names.joined(separator: ", ")))"
                )
                return nil
            }
            azure.cloud = cloud
        }
        if let node = entries["authorityHost"] {
            guard let text = r.string(node, at: "azure.authorityHost") else { return nil }
            do {
                azure.authorityHost = try Endpoint(parsing: text)
            } catch {
                r.fail("azure.authorityHost", node, error.description)
                return nil
            }
        }
        return azure
    }

    /// `server`: each key optional, defaults from `ServerLimits.webhook`.
    func readServer(_ node: YAMLNode, _ r: ConfigurationReader) -> ServerLimits? {
        let keys = ["handshakeTimeoutSeconds", "readTimeoutSeconds", "idleTimeoutSeconds", "maxConnections"]
        guard let entries = r.mapping(node, at: "server", allowed: keys) else { return nil }
        var limits = ServerLimits.webhook
        var ok = true
        func integer(
            _ key: String,
            _ range: ClosedRange<Int>,
            _ unit: String,
            into field: WritableKeyPath<ServerLimits, Int>
        ) {
            guard let node = entries[key] else { return }
            if let value = r.integer(node, at: "server." + key, range: range, unit: unit) {
                limits[keyPath: field] = value
            } else {
                ok = false
            }
        }
        integer("handshakeTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.handshakeTimeoutSeconds)
        integer("readTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.readTimeoutSeconds)
        integer("idleTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.idleTimeoutSeconds)
        integer("maxConnections", ServerLimits.connectionsRange, "connections", into: \.maximumConnections)
        return ok ? limits : nil
    }

    func readTLS(_ node: YAMLNode, _ r: ConfigurationReader) -> TLSFilesConfiguration? {
        let keys = ["certFile", "keyFile", "reloadIntervalSeconds"]
        guard let entries = r.mapping(node, at: "tls", allowed: keys) else { return nil }
        let cert = r.required(entries, "certFile", at: "tls", parent: node).flatMap { r.string($0, at: "tls.certFile") }
        let key = r.required(entries, "keyFile", at: "tls", parent: node).flatMap { r.string($0, at: "tls.keyFile") }
        var interval: Int? = TLSFilesConfiguration.defaultReloadIntervalSeconds
        if let node = entries["reloadIntervalSeconds"] {
            interval = r.integer(node, at: "tls.reloadIntervalSeconds", range: 1...3600, unit: "seconds")
        }
        guard let cert, let key, let interval else { return nil }
        return TLSFilesConfiguration(certFile: cert, keyFile: key, reloadIntervalSeconds: interval)
    }

    func readAgent(_ node: YAMLNode, _ r: ConfigurationReader) -> AgentContainerConfiguration? {
        guard let entries = r.mapping(node, at: "agent", allowed: ["image", "resources"]) else { return nil }
        guard
            let image = r.required(entries, "image", at: "agent", parent: node)
                .flatMap({ r.string($0, at: "agent.image") })
        else { return nil }
        if image.contains(where: { $0.isWhitespace }) {
            r.fail(
                "agent.image",
                entries["image"],
                "\"\(image)\" is not an image reference (expected e.g. ghcr.io/OWNER/skyferry:VERSION)"
            )
            return nil
        }
        var agent = AgentContainerConfiguration(image: image)
        if let node = entries["resources"] {
            guard let resources = readResources(node, r) else { return nil }
            agent.resources = resources
        }
        return agent
    }

    /// `requests`/`limits` of quantity strings (`cpu: 10m`, `memory: 32Mi`), kept in file order.
    func readResources(_ node: YAMLNode, _ r: ConfigurationReader) -> JSONValue? {
        guard let entries = r.mapping(node, at: "agent.resources", allowed: ["requests", "limits"]) else { return nil }
        guard case .mapping(let pairs) = node.value else { return nil }
        var resources: [(String, JSONValue)] = []
        for pair in pairs {
            guard let kind = pair.key.scalar, entries[kind] != nil else { continue }
            guard case .mapping(let quantities) = pair.value.value else {
                r.fail("agent.resources.\(kind)", pair.value, "expected a mapping such as {cpu: 10m, memory: 32Mi}")
                return nil
            }
            var values: [(String, JSONValue)] = []
            for quantity in quantities {
                guard let name = quantity.key.scalar, let amount = quantity.value.scalar, !amount.isEmpty,
                    amount.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") })
                else {
                    r.fail(
                        "agent.resources.\(kind)",
                        quantity.value,
                        "expected resource quantities such as cpu: 10m, memory: 32Mi"
                    )
                    return nil
                }
                values.append((name, .string(amount)))
            }
            resources.append((kind, .object(values)))
        }
        return .object(resources)
    }
}
