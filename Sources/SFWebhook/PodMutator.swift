/// What the webhook does with one pod.
public enum InjectionDecision: Sendable, Equatable {
    /// Admit unchanged: the pod did not ask for injection, or already has it.
    case skip(reason: String)
    /// Reject the pod: its annotations are malformed.
    case deny(message: String)
    /// Admit with this patch; warnings go back to the client (`kubectl` prints them).
    case inject(patch: [JSONPatchOperation], warnings: [String])
}

/// Decides on a pod and computes the JSON Patch, against the raw pod JSON.
///
/// Only `add` operations, each on a path that exists or is created first, so every field the
/// webhook does not touch reaches the API server exactly as the user wrote it.
public struct PodMutator: Sendable {
    public var agent: AgentContainerConfiguration
    public var nativeSidecars: Bool

    public init(agent: AgentContainerConfiguration, nativeSidecars: Bool) {
        self.agent = agent
        self.nativeSidecars = nativeSidecars
    }

    public func decide(pod: JSONValue) -> InjectionDecision {
        let metadata = pod["metadata"]
        guard metadata?["labels"]?[PodAnnotations.injectLabel]?.stringValue == "true" else {
            return .skip(reason: "no \(PodAnnotations.injectLabel)=true label")
        }
        let annotations = metadata?["annotations"]?.stringMap ?? [:]
        let spec = pod["spec"]
        let containers = spec?["containers"]?.arrayValue ?? []
        let initContainers = spec?["initContainers"]?.arrayValue ?? []
        let ours: Set = [InjectionLayout.agentContainer, InjectionLayout.initContainer]
        if annotations[PodAnnotations.status] == "injected" || (containers + initContainers).contains(where: { ours.contains($0["name"]?.stringValue ?? "") }) {
            return .skip(reason: "already injected")
        }
        let request: InjectionRequest
        switch PodAnnotations.parse(annotations) {
        case .success(let parsed): request = parsed
        case .failure(let error): return .deny(message: error.description)
        }
        guard !containers.isEmpty else {
            return .deny(message: "skyferry: the pod has no spec.containers to inject credentials into")
        }

        var patch: [JSONPatchOperation] = []
        var warnings: [String] = []
        let yaml = AgentConfigurationRenderer.render(request)

        appendAll(&patch, to: "/spec/volumes", exists: spec?["volumes"] != nil, volumes(request))

        let first: JSONValue
        var sidecar: JSONValue?
        switch (request.mode, nativeSidecars) {
        case (.sidecar, true):
            first = agentContainer(name: InjectionLayout.agentContainer, once: false, native: true, yaml: yaml)
        case (.sidecar, false):
            // `--once` serves no endpoints: the init container writes the files of init-only mode, which
            // proves the exchange works before the app starts; the sidecar then serves the endpoints.
            var once = request
            once.mode = .initOnly
            first = agentContainer(name: InjectionLayout.initContainer, once: true, native: false, yaml: AgentConfigurationRenderer.render(once))
            sidecar = agentContainer(name: InjectionLayout.agentContainer, once: false, native: false, yaml: yaml)
        case (.initOnly, _):
            first = agentContainer(name: InjectionLayout.initContainer, once: true, native: false, yaml: yaml)
        }
        if spec?["initContainers"] == nil {
            patch.append(.init(add: "/spec/initContainers", [first]))
        } else {
            patch.append(.init(add: "/spec/initContainers/0", first))
        }

        let names = containers.map { $0["name"]?.stringValue ?? "" }
        for skipped in request.skipContainers where !names.contains(skipped) {
            warnings.append("skyferry: \(PodAnnotations.skipContainers) names \(skipped), which is not a container of this pod")
        }
        var skippedEnv: [String] = []
        for (index, container) in containers.enumerated() where !request.skipContainers.contains(names[index]) {
            let base = "/spec/containers/\(index)"
            let existingPaths = Set((container["volumeMounts"]?.arrayValue ?? []).compactMap { $0["mountPath"]?.stringValue })
            var mounts: [JSONValue] = []
            for mount in appMounts(request) where !existingPaths.contains(mount["mountPath"]?.stringValue ?? "") {
                mounts.append(mount)
            }
            if mounts.count < appMounts(request).count {
                warnings.append("skyferry: container \(names[index]) already mounts something at a path skyferry uses; it was left as is")
            }
            appendAll(&patch, to: base + "/volumeMounts", exists: container["volumeMounts"] != nil, mounts)

            let existingEnv = Set((container["env"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
            var env: [JSONValue] = []
            for (name, value) in appEnvironment(request) {
                if existingEnv.contains(name) {
                    skippedEnv.append("\(names[index])=\(name)")
                } else {
                    env.append(["name": .string(name), "value": .string(value)])
                }
            }
            appendAll(&patch, to: base + "/env", exists: container["env"] != nil, env)
        }
        if let sidecar {
            patch.append(.init(add: "/spec/containers/-", sidecar))
        }

        var added: [(String, JSONValue)] = [(PodAnnotations.status, "injected")]
        if !skippedEnv.isEmpty {
            added.append((PodAnnotations.skippedEnv, .string(skippedEnv.joined(separator: ","))))
            warnings.append("skyferry: kept environment variables the pod already sets: \(skippedEnv.joined(separator: ", "))")
        }
        if metadata?["annotations"] == nil {
            patch.append(.init(add: "/metadata/annotations", .object(added)))
        } else {
            for (key, value) in added {
                patch.append(.init(add: "/metadata/annotations/" + JSONPatchOperation.escape(key), value))
            }
        }
        return .inject(patch: patch, warnings: warnings)
    }

    /// Adds `items` to the array at `path`: creates it when absent, else appends one by one.
    private func appendAll(_ patch: inout [JSONPatchOperation], to path: String, exists: Bool, _ items: [JSONValue]) {
        guard !items.isEmpty else { return }
        if exists {
            patch += items.map { JSONPatchOperation(add: path + "/-", $0) }
        } else {
            patch.append(.init(add: path, .array(items)))
        }
    }

    // MARK: pieces

    func volumes(_ request: InjectionRequest) -> [JSONValue] {
        var sources: [JSONValue] = []
        if request.aws != nil {
            sources.append(tokenProjection(audience: request.tokenAudience ?? AWSInjection.defaultAudience,
                                           file: InjectionLayout.awsTokenFile, request))
        }
        if let gcp = request.gcp {
            sources.append(tokenProjection(audience: request.tokenAudience ?? gcp.audience, file: InjectionLayout.gcpTokenFile, request))
        }
        return [
            ["name": .string(InjectionLayout.tokenVolume), "projected": ["sources": .array(sources)]],
            ["name": .string(InjectionLayout.outputVolume),
             "emptyDir": ["medium": "Memory", "sizeLimit": .string(InjectionLayout.outputSizeLimit)]],
        ]
    }

    private func tokenProjection(audience: String, file: String, _ request: InjectionRequest) -> JSONValue {
        ["serviceAccountToken": ["audience": .string(audience), "expirationSeconds": .integer(request.tokenExpirationSeconds), "path": .string(file)]]
    }

    /// The restricted Pod Security Standard, met by every container the webhook adds.
    static let restrictedSecurityContext: JSONValue = [
        "allowPrivilegeEscalation": false,
        "capabilities": ["drop": ["ALL"]],
        "readOnlyRootFilesystem": true,
        "runAsNonRoot": true,
        "seccompProfile": ["type": "RuntimeDefault"],
    ]

    func agentContainer(name: String, once: Bool, native: Bool, yaml: String) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("image", .string(agent.image)),
            ("command", [.string(InjectionLayout.binary)]),
            ("args", once ? ["agent", "--once"] : ["agent"]),
            ("env", [["name": "SKYFERRY_CONFIG_YAML", "value": .string(yaml)]]),
            ("resources", agent.resources),
            ("securityContext", Self.restrictedSecurityContext),
            ("volumeMounts", [
                ["name": .string(InjectionLayout.tokenVolume), "mountPath": .string(InjectionLayout.tokenDirectory), "readOnly": true],
                ["name": .string(InjectionLayout.outputVolume), "mountPath": .string(InjectionLayout.outputDirectory)],
            ]),
            ("terminationMessagePolicy", "FallbackToLogsOnError"),
        ]
        if native {
            // The app containers start only once this probe passes: after the first credentials exist.
            members.append(("restartPolicy", "Always"))
            members.append(("startupProbe", [
                "exec": ["command": [.string(InjectionLayout.binary), "probe"]],
                "periodSeconds": .integer(1),
                "timeoutSeconds": .integer(1),
                "failureThreshold": .integer(120),
            ]))
        }
        return .object(members)
    }

    func appMounts(_ request: InjectionRequest) -> [JSONValue] {
        var mounts: [JSONValue] = [
            ["name": .string(InjectionLayout.outputVolume), "mountPath": .string(InjectionLayout.outputDirectory), "readOnly": true],
        ]
        if request.mode == .initOnly && request.gcp != nil {
            // The external_account file names the projected token; Google's libraries read it themselves.
            mounts.append(["name": .string(InjectionLayout.tokenVolume), "mountPath": .string(InjectionLayout.tokenDirectory), "readOnly": true])
        }
        return mounts
    }

    func appEnvironment(_ request: InjectionRequest) -> [(String, String)] {
        var env: [(String, String)] = []
        if let aws = request.aws {
            switch request.mode {
            case .sidecar:
                env.append(("AWS_CONTAINER_CREDENTIALS_FULL_URI", InjectionLayout.awsCredentialsURL))
                env.append(("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", InjectionLayout.awsAuthTokenPath))
            case .initOnly:
                env.append(("AWS_SHARED_CREDENTIALS_FILE", InjectionLayout.awsCredentialsPath))
            }
            if let region = aws.region { env.append(("AWS_REGION", region)) }
        }
        if request.gcp != nil {
            switch request.mode {
            case .sidecar:
                env.append(("GCE_METADATA_HOST", InjectionLayout.gcpMetadataListen))
                env.append(("GCE_METADATA_IP", InjectionLayout.gcpMetadataListen))
                env.append(("GCE_METADATA_ROOT", InjectionLayout.gcpMetadataListen))
            case .initOnly:
                env.append(("GOOGLE_APPLICATION_CREDENTIALS", InjectionLayout.gcpExternalAccountPath))
            }
        }
        return env
    }
}
