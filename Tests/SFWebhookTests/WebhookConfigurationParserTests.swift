import SFCore
import SFWebhook
import Testing

struct WebhookConfigurationParserTests {
    @Test("the issue's example parses, with defaults for what it leaves out")
    func example() throws {
        let configuration = try WebhookConfigurationParser().parse("""
            listen: "0.0.0.0:8443"
            tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}
            agent:
              image: ghcr.io/example/skyferry:0.1.0
              resources: {requests: {cpu: 5m, memory: 24Mi}, limits: {memory: 48Mi}}
            nativeSidecars: false
            """, origin: "webhook.yaml")
        #expect(configuration == WebhookConfiguration(
            listen: ListenAddress(host: "0.0.0.0", port: 8443),
            tls: TLSFilesConfiguration(certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", reloadIntervalSeconds: 5),
            agent: AgentContainerConfiguration(image: "ghcr.io/example/skyferry:0.1.0",
                                               resources: ["requests": ["cpu": "5m", "memory": "24Mi"], "limits": ["memory": "48Mi"]]),
            nativeSidecars: false))
    }

    @Test("every problem is reported with its key")
    func problems() {
        #expect(throws: ConfigurationError.invalid(path: "webhook.yaml", issues: [
            ConfigurationIssue(path: "listen", line: 1, message: "\"8443\" is not a listen address (expected HOST:PORT, e.g. 0.0.0.0:8443)"),
            ConfigurationIssue(path: "tls.keyFile", line: 2, message: "required key is missing"),
            ConfigurationIssue(path: "agent.imag", line: 4, message: "unknown key; expected one of: image, resources"),
            ConfigurationIssue(path: "agent.image", line: 4, message: "required key is missing"),
            ConfigurationIssue(path: "nativeSidecars", line: 5, message: "expected true or false (false for clusters before Kubernetes 1.29)"),
        ])) {
            try WebhookConfigurationParser().parse("""
                listen: "8443"
                tls: {certFile: /tls/tls.crt}
                agent:
                  imag: x
                nativeSidecars: maybe
                """, origin: "webhook.yaml")
        }
    }
}
