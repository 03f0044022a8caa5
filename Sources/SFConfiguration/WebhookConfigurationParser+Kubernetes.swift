import SFCore
import SFWebhook
import SFYAML

extension WebhookConfigurationParser {
    /// `kubernetes`: each key optional, defaults from `KubernetesConfiguration`.
    func readKubernetes(_ node: YAMLNode, _ r: ConfigurationReader) -> KubernetesConfiguration? {
        let keys = ["apiServer", "tokenFile", "caFile", "watchTimeoutSeconds", "serviceAccounts"]
        guard let entries = r.mapping(node, at: "kubernetes", allowed: keys) else { return nil }
        var configuration = KubernetesConfiguration()
        var ok = true
        if let node = entries["apiServer"] {
            if let text = r.string(node, at: "kubernetes.apiServer") {
                do {
                    let endpoint = try Endpoint(parsing: text)
                    if endpoint.scheme == .https {
                        configuration.apiServer = endpoint
                    } else {
                        r.fail("kubernetes.apiServer", node, "\"\(text)\" is not https:// (expected https://HOST:PORT)")
                        ok = false
                    }
                } catch {
                    r.fail("kubernetes.apiServer", node, error.description)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        for (key, field) in [("tokenFile", \KubernetesConfiguration.tokenFile), ("caFile", \.caFile)] {
            guard let node = entries[key] else { continue }
            if let path = r.string(node, at: "kubernetes." + key) {
                configuration[keyPath: field] = path
            } else {
                ok = false
            }
        }
        if let node = entries["watchTimeoutSeconds"] {
            if let seconds = r.integer(
                node,
                at: "kubernetes.watchTimeoutSeconds",
                range: KubernetesConfiguration.watchTimeoutRange,
                unit: "seconds"
            ) {
                configuration.watchTimeoutSeconds = seconds
            } else {
                ok = false
            }
        }
        if let node = entries["serviceAccounts"] {
            if let accounts = r.mapping(node, at: "kubernetes.serviceAccounts", allowed: ["enabled"]) {
                if let enabled = accounts["enabled"] {
                    if let value = r.boolean(
                        enabled,
                        at: "kubernetes.serviceAccounts.enabled",
                        hint: "false to read identity annotations from pods only"
                    ) {
                        configuration.serviceAccountsEnabled = value
                    } else {
                        ok = false
                    }
                }
            } else {
                ok = false
            }
        }
        return ok ? configuration : nil
    }
}
