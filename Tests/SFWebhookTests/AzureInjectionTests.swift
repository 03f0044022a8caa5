import SFConfiguration
import SFCore
import SFWebhook
import Testing

/// The Azure part of the pod contract, value by value (the golden fixtures show whole patches).
struct AzureInjectionTests {
    static let client = "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d"
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    static func pod(
        _ annotations: [String: String],
        labels: [String: String] = [:],
        env: JSONValue? = nil
    )
        -> JSONValue
    {
        var container: [(String, JSONValue)] = [("name", "app"), ("image", "registry.example/app:1")]
        if let env { container.append(("env", env)) }
        let allLabels = labels.merging(["skyferry.dev/inject": "true"]) { a, _ in a }
        return [
            "metadata": [
                "labels": .object(allLabels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
                "annotations": .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
            ],
            "spec": ["containers": [.object(container)]],
        ]
    }

    static func mutator(_ azure: AzureWebhookConfiguration = .init(), byte: UInt8 = 0xab) -> PodMutator {
        PodMutator(
            agent: AgentContainerConfiguration(image: "ghcr.io/example/skyferry:0.1.0"),
            nativeSidecars: true,
            azure: azure,
            randomBytes: { Array(repeating: byte, count: $0) }
        )
    }

    /// The app container's env from a patch (the pod above has no env, so one `add` of the whole list).
    static func appEnv(_ decision: InjectionDecision) -> [String: String] {
        guard case .inject(let patch, _) = decision,
            let env = patch.first(where: { $0.path == "/spec/containers/0/env" })?.value.arrayValue
        else { return [:] }
        var values: [String: String] = [:]
        for entry in env { values[entry["name"]?.stringValue ?? ""] = entry["value"]?.stringValue }
        return values
    }

    static func agentYAML(_ decision: InjectionDecision) -> String? {
        guard case .inject(let patch, _) = decision,
            let containers = patch.first(where: { $0.path == "/spec/initContainers" })?.value.arrayValue
        else { return nil }
        return containers.first?["env"]?.arrayValue?.first?["value"]?.stringValue
    }

    @Test(
        "client and tenant ids are validated, each message naming its annotation",
        arguments: [
            (
                ["skyferry.dev/azure-client-id": "app", "skyferry.dev/azure-tenant-id": tenant],
                "skyferry: skyferry.dev/azure-client-id: \"app\" is not valid (expected the client id of the app "
                    + "registration or user-assigned managed identity, a GUID such as "
                    + "00000000-0000-0000-0000-000000000000)"
            ),
            (
                ["skyferry.dev/azure-client-id": client, "skyferry.dev/azure-tenant-id": "contoso"],
                "skyferry: skyferry.dev/azure-tenant-id: \"contoso\" is not valid (expected the directory (tenant) "
                    + "id, a GUID, or a tenant domain such as contoso.onmicrosoft.com)"
            ),
            (
                ["skyferry.dev/azure-tenant-id": tenant],
                "skyferry: skyferry.dev/azure-tenant-id is set but skyferry.dev/azure-client-id is not (expected "
                    + "both: Entra ID needs the tenant and client)"
            ),
        ]
    )
    func validation(annotations: [String: String], message: String) {
        #expect(Self.mutator().decide(pod: Self.pod(annotations)) == .deny(message: message))
    }

    @Test(
        "the annotations accept a tenant or client exactly when the agent's configuration does",
        arguments: [
            tenant, tenant.uppercased(), "contoso.onmicrosoft.com", "contoso", "common", "-contoso.com", "a..b",
        ]
    )
    func sameRulesAsTheAgent(value: String) {
        let tenantDecision = Self.mutator().decide(
            pod: Self.pod(["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": value])
        )
        #expect((AzureNames.tenantIdProblem(value) == nil) == (tenantDecision.isInjection))
        let clientDecision = Self.mutator().decide(
            pod: Self.pod(["skyferry.dev/azure-client-id": value, "skyferry.dev/azure-tenant-id": Self.tenant])
        )
        #expect(AzureNames.isGUID(value) == clientDecision.isInjection)
    }

    @Test("sidecar mode: the managed-identity endpoint with the random per-pod secret, and nothing else")
    func sidecar() throws {
        let decision = Self.mutator().decide(
            pod: Self.pod(["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant])
        )
        let secret = String(repeating: "ab", count: PodMutator.secretBytes)
        #expect(
            Self.appEnv(decision) == [
                "IDENTITY_ENDPOINT": "http://127.0.0.1:9912/msi/token", "IDENTITY_HEADER": secret,
            ]
        )
        let yaml = try #require(Self.agentYAML(decision))
        #expect(yaml.contains("        secret: \"\(secret)\"\n"))
        let configuration = try ConfigurationParser().parse(yaml, origin: "SKYFERRY_CONFIG_YAML")
        #expect(configuration.targets.map(\.name) == ["azure"])
        #expect(configuration.targets.first?.outputs.azureManagedIdentityEndpoint?.secret == secret)
    }

    @Test("each pod gets its own secret from the injected randomness")
    func secretIsPerPod() {
        let annotations = ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant]
        let first = Self.appEnv(Self.mutator(byte: 1).decide(pod: Self.pod(annotations)))["IDENTITY_HEADER"]
        let second = Self.appEnv(Self.mutator(byte: 2).decide(pod: Self.pod(annotations)))["IDENTITY_HEADER"]
        #expect(first == String(repeating: "01", count: 32))
        #expect(second == String(repeating: "02", count: 32))
        #expect(PodMutator.systemRandomBytes(32) != PodMutator.systemRandomBytes(32))
    }

    @Test("a pod that already carries skyferry's IDENTITY_ENDPOINT and a literal IDENTITY_HEADER keeps that secret")
    func secretIsStable() throws {
        let earlier = "5f0c8e2b9d4a7c1e3b6f8a0d2c4e6b8a1d3f5c7e9b0a2c4e6d8f0a1b3c5d7e9f"
        let decision = Self.mutator().decide(
            pod: Self.pod(
                ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant],
                env: [
                    ["name": "IDENTITY_ENDPOINT", "value": "http://127.0.0.1:9912/msi/token"],
                    ["name": "IDENTITY_HEADER", "value": .string(earlier)],
                ]
            )
        )
        let yaml = try #require(Self.agentYAML(decision))
        #expect(yaml.contains("        secret: \"\(earlier)\"\n"))
        guard case .inject(_, let warnings) = decision else {
            Issue.record("not injected")
            return
        }
        #expect(
            warnings.contains(
                "skyferry: kept environment variables the pod already sets: app=IDENTITY_ENDPOINT, app=IDENTITY_HEADER"
            )
        )
    }

    @Test("init-only mode: the four workload-identity variables and the projected token, no agent")
    func initOnly() throws {
        let cloud = AzureWebhookConfiguration(cloud: .usgov)
        let decision = Self.mutator(cloud).decide(
            pod: Self.pod([
                "skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": "contoso.onmicrosoft.us",
                "skyferry.dev/mode": "init-only",
            ])
        )
        #expect(
            Self.appEnv(decision) == [
                "AZURE_CLIENT_ID": Self.client, "AZURE_TENANT_ID": "contoso.onmicrosoft.us",
                "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/skyferry/azure-token",
                "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us",
            ]
        )
        guard case .inject(let patch, let warnings) = decision else {
            Issue.record("not injected")
            return
        }
        #expect(warnings.isEmpty)
        #expect(!patch.contains { $0.path.hasPrefix("/spec/initContainers") })
        let volumes = try #require(patch.first { $0.path == "/spec/volumes" }?.value)
        #expect(
            volumes == [
                [
                    "name": "skyferry-token",
                    "projected": [
                        "sources": [
                            [
                                "serviceAccountToken": [
                                    "audience": "api://AzureADTokenExchangeUSGov", "expirationSeconds": .integer(3600),
                                    "path": "azure-token",
                                ]
                            ]
                        ]
                    ],
                ]
            ]
        )
    }

    @Test("an authorityHost override reaches both the agent and AZURE_AUTHORITY_HOST")
    func authorityHostOverride() throws {
        let cloud = AzureWebhookConfiguration(authorityHost: Endpoint(scheme: .https, host: "login.example.test"))
        let annotations = ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant]
        let initOnly = Self.mutator(cloud).decide(
            pod: Self.pod(annotations.merging(["skyferry.dev/mode": "init-only"]) { a, _ in a })
        )
        #expect(Self.appEnv(initOnly)["AZURE_AUTHORITY_HOST"] == "https://login.example.test")
        let yaml = try #require(Self.agentYAML(Self.mutator(cloud).decide(pod: Self.pod(annotations))))
        #expect(yaml.contains("      authorityHost: \"https://login.example.test/\"\n"))
    }

    @Test("pods labelled azure.workload.identity/use get no Azure part, and a warning says so")
    func workloadIdentityLabel() {
        let annotations = ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant]
        let warning =
            "skyferry: the pod has the label azure.workload.identity/use=true, so azure-workload-identity injects "
            + "its Azure credentials; skyferry ignored skyferry.dev/azure-client-id (remove the label or the "
            + "annotation)"
        #expect(
            Self.mutator().decide(pod: Self.pod(annotations, labels: ["azure.workload.identity/use": "true"]))
                == .inject(patch: [], warnings: [warning])
        )
        let both = Self.mutator().decide(
            pod: Self.pod(
                annotations.merging(["skyferry.dev/aws-role-arn": "arn:aws:iam::123456789012:role/r"]) { a, _ in a },
                labels: ["azure.workload.identity/use": "true"]
            )
        )
        #expect(Self.appEnv(both)["IDENTITY_ENDPOINT"] == nil)
        #expect(Self.appEnv(both)["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != nil)
        guard case .inject(_, let warnings) = both else {
            Issue.record("not injected")
            return
        }
        #expect(warnings == [warning])
    }

    @Test("the handler admits a pod with nothing left to inject unchanged, as skipped, with the warning")
    func emptyPatchIsSkipped() {
        let handler = AdmissionHandler(mutator: Self.mutator())
        let pod = Self.pod(
            ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant],
            labels: ["azure.workload.identity/use": "true"]
        )
        let body = JSONValue.object([
            ("apiVersion", "admission.k8s.io/v1"), ("kind", "AdmissionReview"),
            (
                "request",
                [
                    "uid": "u-1", "kind": ["group": "", "version": "v1", "kind": "Pod"], "operation": "CREATE",
                    "object": pod,
                ]
            ),
        ])
        let answer = handler.handle(body: body.serializedBytes)
        #expect(answer.result == .skipped)
        #expect(!answer.body.contains("\"patch\""))
        #expect(answer.body.contains("azure.workload.identity/use=true"))
    }

    @Test("the endpoint's port is reserved: a container declaring it is refused in sidecar mode")
    func reservedPort() {
        let annotations = ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant]
        let ports = InjectionLayout.loopbackPorts(
            InjectionRequest(azure: AzureInjection(clientId: Self.client, tenantId: Self.tenant))
        )
        #expect(ports.map(\.port) == [9912, 8686])
        let pod: JSONValue = [
            "metadata": [
                "labels": ["skyferry.dev/inject": "true"],
                "annotations": .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
            ],
            "spec": ["containers": [["name": "app", "image": "i", "ports": [["containerPort": .integer(9912)]]]]],
        ]
        #expect(
            Self.mutator().decide(pod: pod)
                == .deny(
                    message: "skyferry: container app declares containerPort 9912, where the agent serves the Azure "
                        + "managed-identity endpoint (expected the pod's containers to leave the agent's ports "
                        + "9912, 8686 free, or skyferry.dev/mode: init-only, which listens on none)"
                )
        )
    }

    @Test("variables that divert Azure SDKs to another credential are left alone, with a warning")
    func conflictingVariables() {
        let decision = Self.mutator().decide(
            pod: Self.pod(
                ["skyferry.dev/azure-client-id": Self.client, "skyferry.dev/azure-tenant-id": Self.tenant],
                env: [["name": "MSI_ENDPOINT", "value": "http://x"], ["name": "AZURE_CLIENT_SECRET", "value": "s"]]
            )
        )
        guard case .inject(let patch, let warnings) = decision else {
            Issue.record("not injected")
            return
        }
        #expect(
            warnings == [
                "skyferry: container app sets MSI_ENDPOINT, AZURE_CLIENT_SECRET, which makes Azure SDKs choose "
                    + "another credential than skyferry's; remove them"
            ]
        )
        let added = patch.filter { $0.path == "/spec/containers/0/env/-" }.compactMap { $0.value["name"]?.stringValue }
        #expect(added == ["IDENTITY_ENDPOINT", "IDENTITY_HEADER"])
    }
}

extension InjectionDecision {
    fileprivate var isInjection: Bool { if case .inject = self { true } else { false } }
}
