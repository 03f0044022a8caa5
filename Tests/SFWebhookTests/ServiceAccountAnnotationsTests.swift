import SFCore
import SFWebhook
import Testing

struct ServiceAccountAnnotationsTests {
    static let role = "arn:aws:iam::123456789012:role/shop-reader"
    static let otherRole = "arn:aws:iam::123456789012:role/override"
    static let api = ServiceAccountReference(namespace: "shop", name: "api")
    static let mutator = PodMutator(agent: AgentContainerConfiguration(image: "img:1"), nativeSidecars: true)

    static func pod(annotations: [String: String], serviceAccountName: String? = "api") -> JSONValue {
        var spec: [(String, JSONValue)] = [("containers", [["name": "app", "image": "app:1"]])]
        if let serviceAccountName { spec.insert(("serviceAccountName", .string(serviceAccountName)), at: 0) }
        return [
            "metadata": [
                "labels": ["skyferry.dev/inject": "true"],
                "annotations": .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }),
            ],
            "spec": .object(spec),
        ]
    }

    static func agentConfiguration(_ decision: InjectionDecision) -> String? {
        guard case .inject(let patch, _) = decision else { return nil }
        for operation in patch where operation.path.hasPrefix("/spec/initContainers") {
            let container = operation.value.arrayValue?.first ?? operation.value
            return container["env"]?.arrayValue?.first?["value"]?.stringValue
        }
        return nil
    }

    @Test("the pod's ServiceAccount is spec.serviceAccountName in the request's namespace, else default")
    func reference() {
        #expect(ServiceAccountReference(pod: Self.pod(annotations: [:]), namespace: "shop") == Self.api)
        #expect(
            ServiceAccountReference(pod: Self.pod(annotations: [:], serviceAccountName: nil), namespace: "shop")
                == ServiceAccountReference(namespace: "shop", name: "default")
        )
        #expect(
            ServiceAccountReference(pod: Self.pod(annotations: [:], serviceAccountName: ""), namespace: "shop").name
                == "default"
        )
        #expect(Self.api.description == "shop/api")
    }

    @Test("pod annotations override the ServiceAccount's key by key; only identity keys come from it")
    func merge() {
        let resolution = ServiceAccountAnnotations.merge(
            pod: ["skyferry.dev/aws-role-arn": Self.otherRole, "skyferry.dev/mode": "init-only"],
            serviceAccount: [
                "skyferry.dev/aws-role-arn": Self.role, "skyferry.dev/aws-region": "eu-west-1",
                "skyferry.dev/mode": "sidecar",
            ],
            reference: Self.api
        )
        #expect(
            resolution.annotations == [
                "skyferry.dev/aws-role-arn": Self.otherRole, "skyferry.dev/aws-region": "eu-west-1",
                "skyferry.dev/mode": "init-only",
            ]
        )
        #expect(resolution.fromServiceAccount == ["skyferry.dev/aws-region"])
        #expect(
            resolution.warnings == [
                "skyferry: ServiceAccount shop/api has the annotation skyferry.dev/mode, which is read from pods only; "
                    + "it was ignored (expected on a ServiceAccount: skyferry.dev/aws-role-arn, "
                    + "skyferry.dev/aws-region, skyferry.dev/gcp-audience, skyferry.dev/gcp-service-account, "
                    + "skyferry.dev/azure-client-id, skyferry.dev/azure-tenant-id, "
                    + "skyferry.dev/token-audience, skyferry.dev/token-expiration)"
            ]
        )
    }

    @Test("a pod with no identity of its own is injected with its ServiceAccount's")
    func injectsFromServiceAccount() throws {
        let decision = Self.mutator.decide(
            pod: Self.pod(annotations: [:]),
            serviceAccount: .found(Self.api, annotations: ["skyferry.dev/aws-role-arn": Self.role])
        )
        let yaml = try #require(Self.agentConfiguration(decision))
        #expect(yaml.contains(Self.role))
        guard case .inject(_, let warnings) = decision else {
            Issue.record("expected injection")
            return
        }
        #expect(warnings.isEmpty)
    }

    @Test("the Azure identity comes from the ServiceAccount like the others; the pod's client id overrides it")
    func azureKeys() {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        let resolution = ServiceAccountAnnotations.merge(
            pod: ["skyferry.dev/azure-client-id": "11111111-2222-3333-4444-555555555555"],
            serviceAccount: [
                "skyferry.dev/azure-client-id": "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d",
                "skyferry.dev/azure-tenant-id": tenant,
            ],
            reference: Self.api
        )
        #expect(
            resolution.annotations == [
                "skyferry.dev/azure-client-id": "11111111-2222-3333-4444-555555555555",
                "skyferry.dev/azure-tenant-id": tenant,
            ]
        )
        #expect(resolution.fromServiceAccount == ["skyferry.dev/azure-tenant-id"])
        #expect(resolution.warnings.isEmpty)
    }

    @Test("the same pod without ServiceAccount lookups is denied as before")
    func disabledIsTodaysBehaviour() {
        guard case .deny(let message) = Self.mutator.decide(pod: Self.pod(annotations: [:])) else {
            Issue.record("expected a denial")
            return
        }
        #expect(
            message.contains(
                "none of skyferry.dev/aws-role-arn, skyferry.dev/gcp-audience, skyferry.dev/azure-client-id"
            )
        )
        #expect(Self.mutator.decide(pod: Self.pod(annotations: [:]), serviceAccount: nil) == .deny(message: message))
    }

    @Test("an invalid value on the ServiceAccount denies the pod naming the ServiceAccount and the annotation")
    func invalidServiceAccountValue() {
        let decision = Self.mutator.decide(
            pod: Self.pod(annotations: ["skyferry.dev/aws-role-arn": Self.role]),
            serviceAccount: .found(Self.api, annotations: ["skyferry.dev/aws-region": "moon-1"])
        )
        #expect(
            decision
                == .deny(
                    message: "skyferry: ServiceAccount shop/api annotation skyferry.dev/aws-region: \"moon-1\" is not "
                        + "valid (expected an AWS region name such as us-east-1)"
                )
        )
    }

    @Test("a ServiceAccount that does not exist adds nothing")
    func notFound() {
        let pod = Self.pod(annotations: ["skyferry.dev/aws-role-arn": Self.role])
        #expect(Self.mutator.decide(pod: pod, serviceAccount: .notFound(Self.api)) == Self.mutator.decide(pod: pod))
    }

    @Test("API server down: a pod complete by itself is injected from its own annotations, with a warning")
    func unavailableButComplete() throws {
        let pod = Self.pod(annotations: ["skyferry.dev/aws-role-arn": Self.role])
        let decision = Self.mutator.decide(
            pod: pod,
            serviceAccount: .unavailable(Self.api, reason: "connection refused")
        )
        guard case .inject(let patch, let warnings) = decision,
            case .inject(let alone, _) = Self.mutator.decide(pod: pod)
        else {
            Issue.record("expected injection")
            return
        }
        #expect(patch == alone)
        #expect(
            warnings == [
                "skyferry: ServiceAccount shop/api could not be read (connection refused); injected from the pod's "
                    + "own annotations only"
            ]
        )
    }

    @Test("API server down: a pod that needs its ServiceAccount is denied, saying so")
    func unavailableAndIncomplete() {
        let decision = Self.mutator.decide(
            pod: Self.pod(annotations: ["skyferry.dev/aws-region": "eu-west-1"]),
            serviceAccount: .unavailable(Self.api, reason: "connection refused")
        )
        #expect(
            decision
                == .deny(
                    message: "skyferry: ServiceAccount shop/api could not be read (connection refused) and the pod's "
                        + "own annotations are not complete by themselves, so the pod is not injected half-configured "
                        + "(retry once the API server is reachable, or set the identity annotations on the pod); "
                        + "skyferry.dev/aws-region is set but skyferry.dev/aws-role-arn is not (expected both, or "
                        + "neither); the pod has the label skyferry.dev/inject=true but none of "
                        + "skyferry.dev/aws-role-arn, skyferry.dev/gcp-audience, skyferry.dev/azure-client-id "
                        + "(expected at least one: the cloud to get credentials for)"
                )
        )
    }

    @Test("an already injected pod is skipped before its ServiceAccount matters")
    func alreadyInjected() {
        var pod = Self.pod(annotations: ["skyferry.dev/status": "injected"])
        pod = .object(pod.objectValue!)
        #expect(
            Self.mutator.decide(pod: pod, serviceAccount: .unavailable(Self.api, reason: "down"))
                == .skip(reason: "already injected")
        )
    }
}
