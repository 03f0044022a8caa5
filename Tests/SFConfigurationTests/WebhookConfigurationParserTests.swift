import SFConfiguration
import SFCore
import SFWebhook
import Testing

struct WebhookConfigurationParserTests {
    @Test("a minimal webhook configuration parses, with defaults for what it leaves out")
    func example() throws {
        let configuration = try WebhookConfigurationParser().parse(
            """
            listen: "0.0.0.0:8443"
            tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}
            agent:
              image: ghcr.io/example/skyferry:0.1.0
              resources: {requests: {cpu: 5m, memory: 24Mi}, limits: {memory: 48Mi}}
            nativeSidecars: false
            """,
            origin: "webhook.yaml"
        )
        #expect(
            configuration
                == WebhookConfiguration(
                    listen: ListenAddress(host: "0.0.0.0", port: 8443),
                    tls: TLSFilesConfiguration(
                        certFile: "/tls/tls.crt",
                        keyFile: "/tls/tls.key",
                        reloadIntervalSeconds: 5
                    ),
                    agent: AgentContainerConfiguration(
                        image: "ghcr.io/example/skyferry:0.1.0",
                        resources: ["requests": ["cpu": "5m", "memory": "24Mi"], "limits": ["memory": "48Mi"]]
                    ),
                    nativeSidecars: false
                )
        )
    }

    @Test("every problem is reported with its key")
    func problems() {
        #expect(
            throws: ConfigurationError.invalid(
                path: "webhook.yaml",
                issues: [
                    ConfigurationIssue(
                        path: "listen",
                        line: 1,
                        message: "\"8443\" is not a listen address (expected HOST:PORT, e.g. 0.0.0.0:8443)"
                    ),
                    ConfigurationIssue(path: "tls.keyFile", line: 2, message: "required key is missing"),
                    ConfigurationIssue(
                        path: "agent.imag",
                        line: 4,
                        message: "unknown key (did you mean \"image\"?); expected one of: image, resources"
                    ),
                    ConfigurationIssue(path: "agent.image", line: 4, message: "required key is missing"),
                    ConfigurationIssue(
                        path: "nativeSidecars",
                        line: 5,
                        message: "expected true or false (false for clusters before Kubernetes 1.29)"
                    ),
                ]
            )
        ) {
            try WebhookConfigurationParser().parse(
                """
                listen: "8443"
                tls: {certFile: /tls/tls.crt}
                agent:
                  imag: x
                nativeSidecars: maybe
                """,
                origin: "webhook.yaml"
            )
        }
    }

    @Test("server limits: defaults from ServerLimits.webhook, each key overridable, out-of-range values named")
    func serverLimits() throws {
        let base =
            "tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}\n"
            + "agent: {image: ghcr.io/example/skyferry:0.1.0}\n"
        #expect(
            try WebhookConfigurationParser().parse(base, origin: "webhook.yaml").server
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 10,
                    idleTimeoutSeconds: 60,
                    maximumConnections: 1000
                )
        )
        let custom = try WebhookConfigurationParser().parse(
            base + "server: {idleTimeoutSeconds: 5, maxConnections: 64}\n",
            origin: "webhook.yaml"
        )
        #expect(
            custom.server
                == ServerLimits(
                    handshakeTimeoutSeconds: 10,
                    readTimeoutSeconds: 10,
                    idleTimeoutSeconds: 5,
                    maximumConnections: 64
                )
        )
        #expect(
            throws: ConfigurationError.invalid(
                path: "webhook.yaml",
                issues: [
                    ConfigurationIssue(
                        path: "server.readTimeoutSeconds",
                        line: 3,
                        message: "expected a whole number of seconds from 1 to 3600, found \"0\""
                    ),
                    ConfigurationIssue(
                        path: "server.maxConnections",
                        line: 3,
                        message: "expected a whole number of connections from 1 to 100000, found \"100001\""
                    ),
                ]
            )
        ) {
            try WebhookConfigurationParser().parse(
                base + "server: {readTimeoutSeconds: 0, maxConnections: 100001}\n",
                origin: "webhook.yaml"
            )
        }
    }
}
