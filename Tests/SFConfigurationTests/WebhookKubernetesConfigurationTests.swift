import SFConfiguration
import SFCore
import SFWebhook
import Testing

struct WebhookKubernetesConfigurationTests {
    static let base = """
        tls: {certFile: /tls/tls.crt, keyFile: /tls/tls.key}
        agent: {image: ghcr.io/example/skyferry:0.1.0}

        """

    @Test("kubernetes: defaults for the in-cluster ServiceAccount, every key overridable")
    func parses() throws {
        #expect(try WebhookConfigurationParser().parse(Self.base, origin: "w.yaml").kubernetes == .init())
        let configuration = try WebhookConfigurationParser().parse(
            Self.base + """
                kubernetes:
                  apiServer: https://127.0.0.1:6443
                  tokenFile: /tmp/token
                  caFile: /tmp/ca.crt
                  watchTimeoutSeconds: 30
                  serviceAccounts: {enabled: false}
                """,
            origin: "w.yaml"
        )
        #expect(
            configuration.kubernetes
                == KubernetesConfiguration(
                    apiServer: Endpoint(scheme: .https, host: "127.0.0.1", port: 6443),
                    tokenFile: "/tmp/token",
                    caFile: "/tmp/ca.crt",
                    watchTimeoutSeconds: 30,
                    serviceAccountsEnabled: false
                )
        )
    }

    @Test("unknown keys get a did-you-mean, bad values their key")
    func problems() {
        #expect(
            throws: ConfigurationError.invalid(
                path: "w.yaml",
                issues: [
                    ConfigurationIssue(
                        path: "kubernetes.tokenFiel",
                        line: 5,
                        message: "unknown key (did you mean \"tokenFile\"?); expected one of: apiServer, tokenFile, "
                            + "caFile, watchTimeoutSeconds, serviceAccounts"
                    ),
                    ConfigurationIssue(
                        path: "kubernetes.apiServer",
                        line: 4,
                        message: "\"http://10.0.0.1\" is plain http:// to a non-loopback host; use https:// (http:// "
                            + "is allowed only for localhost, 127.0.0.0/8 and ::1)"
                    ),
                    ConfigurationIssue(
                        path: "kubernetes.watchTimeoutSeconds",
                        line: 6,
                        message: "expected a whole number of seconds from 10 to 3600, found \"5\""
                    ),
                    ConfigurationIssue(
                        path: "kubernetes.serviceAccounts.enable",
                        line: 7,
                        message: "unknown key (did you mean \"enabled\"?); expected one of: enabled"
                    ),
                ]
            )
        ) {
            try WebhookConfigurationParser().parse(
                Self.base + """
                    kubernetes:
                      apiServer: http://10.0.0.1
                      tokenFiel: /tmp/token
                      watchTimeoutSeconds: 5
                      serviceAccounts: {enable: true}
                    """,
                origin: "w.yaml"
            )
        }
    }

    @Test("ServiceAccounts are read in a cluster or with apiServer, and not when disabled")
    func server() throws {
        let inCluster = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(KubernetesConfiguration().server(environment: inCluster)?.url == "https://10.96.0.1:443/")
        #expect(KubernetesConfiguration().server(environment: [:]) == nil)
        #expect(KubernetesConfiguration(serviceAccountsEnabled: false).server(environment: inCluster) == nil)
        let local = try Endpoint(parsing: "https://127.0.0.1:6443")
        #expect(KubernetesConfiguration(apiServer: local).server(environment: [:]) == local)
        #expect(
            KubernetesConfiguration().server(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1"])?.url
                == "https://[fd00::1]:443/"
        )
    }
}
