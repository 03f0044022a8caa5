import SFCore
import SFYAML

/// Parses and validates the webhook's YAML configuration, collecting every issue (as the agent's parser does).
public struct WebhookConfigurationParser: Sendable {
    public init() {}

    public func parse(_ text: String, origin: String) throws(ConfigurationError) -> WebhookConfiguration {
        let root: YAMLNode
        do {
            root = try YAMLLoader().load(text)
        } catch {
            throw .syntax(path: origin, description: error.description)
        }
        var issues: [ConfigurationIssue] = []
        let configuration = read(root, &issues)
        guard issues.isEmpty, let configuration else { throw .invalid(path: origin, issues: issues) }
        return configuration
    }

    private func read(_ root: YAMLNode, _ issues: inout [ConfigurationIssue]) -> WebhookConfiguration? {
        let keys = ["listen", "tls", "agent", "nativeSidecars", "server"]
        guard let top = mapping(root, at: "", allowed: keys, &issues) else { return nil }
        var listen = WebhookConfiguration.defaultListen
        if let node = top["listen"] {
            if let text = string(node, at: "listen", &issues) {
                if let address = ListenAddress(text) {
                    listen = address
                } else {
                    issues.append(.init(path: "listen", line: node.line, message: "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. 0.0.0.0:8443)"))
                }
            }
        }
        let tls = required(top, "tls", at: "", root, &issues).flatMap { readTLS($0, &issues) }
        let agent = required(top, "agent", at: "", root, &issues).flatMap { readAgent($0, &issues) }
        var nativeSidecars = true
        if let node = top["nativeSidecars"] {
            switch node.value {
            case .scalar("true", quoted: false): nativeSidecars = true
            case .scalar("false", quoted: false): nativeSidecars = false
            default: issues.append(.init(path: "nativeSidecars", line: node.line, message: "expected true or false (false for clusters before Kubernetes 1.29)"))
            }
        }
        let server = top["server"].map { readServer($0, &issues) } ?? .webhook
        guard let tls, let agent, let server else { return nil }
        return WebhookConfiguration(listen: listen, tls: tls, agent: agent, nativeSidecars: nativeSidecars,
                                    server: server)
    }

    /// `server`: each key optional, defaults from `ServerLimits.webhook`.
    private func readServer(_ node: YAMLNode, _ issues: inout [ConfigurationIssue]) -> ServerLimits? {
        let keys = ["handshakeTimeoutSeconds", "readTimeoutSeconds", "idleTimeoutSeconds", "maxConnections"]
        guard let entries = mapping(node, at: "server", allowed: keys, &issues) else { return nil }
        var limits = ServerLimits.webhook
        let count = issues.count
        func integer(_ key: String, _ range: ClosedRange<Int>, _ unit: String,
                     into field: WritableKeyPath<ServerLimits, Int>) {
            guard let node = entries[key] else { return }
            if let text = node.scalar, let value = Int(text), range.contains(value) {
                limits[keyPath: field] = value
            } else {
                let found = node.scalar.map { "\"\($0)\"" } ?? node.shapeDescription
                let expected = "expected a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound)"
                issues.append(.init(path: "server.\(key)", line: node.line, message: "\(expected), found \(found)"))
            }
        }
        integer("handshakeTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.handshakeTimeoutSeconds)
        integer("readTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.readTimeoutSeconds)
        integer("idleTimeoutSeconds", ServerLimits.timeoutRange, "seconds", into: \.idleTimeoutSeconds)
        integer("maxConnections", ServerLimits.connectionsRange, "connections", into: \.maximumConnections)
        return issues.count == count ? limits : nil
    }

    private func readTLS(_ node: YAMLNode, _ issues: inout [ConfigurationIssue]) -> TLSFilesConfiguration? {
        guard let entries = mapping(node, at: "tls", allowed: ["certFile", "keyFile", "reloadIntervalSeconds"], &issues) else { return nil }
        let cert = required(entries, "certFile", at: "tls", node, &issues).flatMap { string($0, at: "tls.certFile", &issues) }
        let key = required(entries, "keyFile", at: "tls", node, &issues).flatMap { string($0, at: "tls.keyFile", &issues) }
        var interval = TLSFilesConfiguration.defaultReloadIntervalSeconds
        if let node = entries["reloadIntervalSeconds"] {
            if let text = node.scalar, let value = Int(text), (1...3600).contains(value) {
                interval = value
            } else {
                issues.append(.init(path: "tls.reloadIntervalSeconds", line: node.line, message: "expected a whole number of seconds from 1 to 3600"))
            }
        }
        guard let cert, let key else { return nil }
        return TLSFilesConfiguration(certFile: cert, keyFile: key, reloadIntervalSeconds: interval)
    }

    private func readAgent(_ node: YAMLNode, _ issues: inout [ConfigurationIssue]) -> AgentContainerConfiguration? {
        guard let entries = mapping(node, at: "agent", allowed: ["image", "resources"], &issues) else { return nil }
        guard let image = required(entries, "image", at: "agent", node, &issues).flatMap({ string($0, at: "agent.image", &issues) }) else { return nil }
        if image.contains(where: { $0.isWhitespace }) {
            issues.append(.init(path: "agent.image", line: entries["image"]?.line, message: "\"\(image)\" is not an image reference (expected e.g. ghcr.io/OWNER/skyferry:VERSION)"))
            return nil
        }
        var agent = AgentContainerConfiguration(image: image)
        if let node = entries["resources"] {
            guard let resources = readResources(node, &issues) else { return nil }
            agent.resources = resources
        }
        return agent
    }

    /// `requests`/`limits` of quantity strings (`cpu: 10m`, `memory: 32Mi`), kept in file order.
    private func readResources(_ node: YAMLNode, _ issues: inout [ConfigurationIssue]) -> JSONValue? {
        guard let entries = mapping(node, at: "agent.resources", allowed: ["requests", "limits"], &issues) else { return nil }
        guard case .mapping(let pairs) = node.value else { return nil }
        var resources: [(String, JSONValue)] = []
        for pair in pairs {
            guard let kind = pair.key.scalar, entries[kind] != nil else { continue }
            guard case .mapping(let quantities) = pair.value.value else {
                issues.append(.init(path: "agent.resources.\(kind)", line: pair.value.line, message: "expected a mapping such as {cpu: 10m, memory: 32Mi}"))
                return nil
            }
            var values: [(String, JSONValue)] = []
            for quantity in quantities {
                guard let name = quantity.key.scalar, let amount = quantity.value.scalar, !amount.isEmpty,
                      amount.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") })
                else {
                    issues.append(.init(path: "agent.resources.\(kind)", line: quantity.value.line, message: "expected resource quantities such as cpu: 10m, memory: 32Mi"))
                    return nil
                }
                values.append((name, .string(amount)))
            }
            resources.append((kind, .object(values)))
        }
        return .object(resources)
    }

    // MARK: reading helpers

    private func mapping(_ node: YAMLNode, at path: String, allowed: [String], _ issues: inout [ConfigurationIssue]) -> [String: YAMLNode]? {
        guard case .mapping(let pairs) = node.value else {
            issues.append(.init(path: path, line: node.line, message: "expected a mapping with keys \(allowed.joined(separator: ", ")), found \(node.shapeDescription)"))
            return nil
        }
        var entries: [String: YAMLNode] = [:]
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            let keyPath = path.isEmpty ? key : path + "." + key
            if !allowed.contains(key) {
                issues.append(.init(path: keyPath, line: pair.key.line, message: "unknown key; expected one of: \(allowed.joined(separator: ", "))"))
            } else if entries[key] != nil {
                issues.append(.init(path: keyPath, line: pair.key.line, message: "duplicate key"))
            } else {
                entries[key] = pair.value
            }
        }
        return entries
    }

    private func required(_ entries: [String: YAMLNode], _ key: String, at path: String, _ parent: YAMLNode, _ issues: inout [ConfigurationIssue]) -> YAMLNode? {
        guard let node = entries[key], !node.isNull else {
            issues.append(.init(path: path.isEmpty ? key : path + "." + key, line: parent.line, message: "required key is missing"))
            return nil
        }
        return node
    }

    private func string(_ node: YAMLNode, at path: String, _ issues: inout [ConfigurationIssue]) -> String? {
        guard let text = node.scalar, !node.isNull, !text.isEmpty else {
            issues.append(.init(path: path, line: node.line, message: "expected a non-empty string, found \(node.shapeDescription)"))
            return nil
        }
        return text
    }
}
