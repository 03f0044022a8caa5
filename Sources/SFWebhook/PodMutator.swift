import SFCore

/// Decides on a pod and computes the JSON Patch, against the raw pod JSON.
///
/// Only `add` operations, each on a path that exists or is created first, so every field the
/// webhook does not touch reaches the API server exactly as the user wrote it.
public struct PodMutator: Sendable {
    /// Bytes of randomness in the per-pod managed-identity endpoint secret (shown as hex).
    public static let secretBytes = 32

    public var agent: AgentContainerConfiguration
    public var nativeSidecars: Bool
    public var azure: AzureWebhookConfiguration
    /// `count` random bytes, for the per-pod Azure endpoint secret (the composition root passes the system's).
    public var randomBytes: @Sendable (_ count: Int) -> [UInt8]

    public init(
        agent: AgentContainerConfiguration,
        nativeSidecars: Bool,
        azure: AzureWebhookConfiguration = .init(),
        randomBytes: @escaping @Sendable (_ count: Int) -> [UInt8] = Self.systemRandomBytes
    ) {
        self.agent = agent
        self.nativeSidecars = nativeSidecars
        self.azure = azure
        self.randomBytes = randomBytes
    }

    /// The standard library's cryptographically secure generator (getrandom on Linux).
    @Sendable public static func systemRandomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    public func decide(pod: JSONValue) -> InjectionDecision {
        decide(pod: pod, serviceAccount: nil)
    }

    /// Decides with the identity annotations of the pod's ServiceAccount under the pod's own (nil: the pod's
    /// annotations alone, when ServiceAccounts are not read).
    public func decide(pod: JSONValue, serviceAccount: ServiceAccountLookup?) -> InjectionDecision {
        let metadata = pod["metadata"]
        guard metadata?["labels"]?[PodAnnotations.injectLabel]?.stringValue == "true" else {
            return .skip(reason: "no \(PodAnnotations.injectLabel)=true label")
        }
        let annotations = metadata?["annotations"]?.stringMap ?? [:]
        let spec = pod["spec"]
        let containers = spec?["containers"]?.arrayValue ?? []
        let initContainers = spec?["initContainers"]?.arrayValue ?? []
        let ours: Set = [InjectionLayout.agentContainer, InjectionLayout.initContainer]
        if annotations[PodAnnotations.status] == "injected"
            || (containers + initContainers).contains(where: { ours.contains($0["name"]?.stringValue ?? "") })
        {
            return .skip(reason: "already injected")
        }
        let resolved: ServiceAccountAnnotations.Resolution
        switch ServiceAccountAnnotations.resolve(pod: annotations, lookup: serviceAccount) {
        case .success(let resolution): resolved = resolution
        case .failure(let error): return .deny(message: error.description)
        }
        var request: InjectionRequest
        switch PodAnnotations.parse(resolved.annotations) {
        case .success(let parsed): request = parsed
        case .failure(let error):
            let attributed = serviceAccount.map {
                ServiceAccountAnnotations.attribute(
                    error,
                    fromServiceAccount: resolved.fromServiceAccount,
                    reference: $0.reference
                )
            }
            return .deny(message: (attributed ?? error).description)
        }
        guard !containers.isEmpty else {
            return .deny(message: "skyferry: the pod has no spec.containers to inject credentials into")
        }
        var warnings = resolved.warnings
        if let warning = prepareAzure(&request, labels: metadata?["labels"], containers: containers) {
            warnings.append(warning)
            if request.aws == nil && request.gcp == nil { return .inject(patch: [], warnings: warnings) }
        }
        if let problem = Self.loopbackProblem(request, spec: spec, containers: initContainers + containers) {
            return .deny(message: problem)
        }

        var patch: [JSONPatchOperation] = []
        let yaml = AgentConfigurationRenderer.render(request)
        // Azure alone in init-only mode needs no agent: the app's SDK exchanges the projected token itself.
        let hasAgent = !AgentConfigurationRenderer.document(request).targets.isEmpty
        let names = containers.map { $0["name"]?.stringValue ?? "" }
        let apps = containers.indices.filter { !request.skipContainers.contains(names[$0]) }.map {
            (names[$0], containers[$0])
        }
        let identity = Self.agentIdentity(podSecurityContext: spec?["securityContext"], apps: apps)
        if hasAgent, let warning = identity.warning { warnings.append(warning) }

        appendAll(
            &patch,
            to: "/spec/volumes",
            exists: spec?["volumes"] != nil,
            volumes(request, agent: hasAgent)
        )

        var first: JSONValue?
        var sidecar: JSONValue?
        switch (request.mode, nativeSidecars) {
        case (.sidecar, true):
            first = agentContainer(
                name: InjectionLayout.agentContainer,
                once: false,
                native: true,
                yaml: yaml,
                identity: identity.securityContext
            )
        case (.sidecar, false):
            // `--once` serves no endpoints: the init container writes the files of init-only mode, which
            // proves the exchange works before the app starts; the sidecar then serves the endpoints.
            // The Azure endpoint has no file to write, so Azure alone gets no init container.
            var once = request
            once.mode = .initOnly
            if !AgentConfigurationRenderer.document(once).targets.isEmpty {
                first = agentContainer(
                    name: InjectionLayout.initContainer,
                    once: true,
                    native: false,
                    yaml: AgentConfigurationRenderer.render(once),
                    identity: identity.securityContext
                )
            }
            sidecar = agentContainer(
                name: InjectionLayout.agentContainer,
                once: false,
                native: false,
                yaml: yaml,
                identity: identity.securityContext
            )
        case (.initOnly, _) where hasAgent:
            first = agentContainer(
                name: InjectionLayout.initContainer,
                once: true,
                native: false,
                yaml: yaml,
                identity: identity.securityContext
            )
        case (.initOnly, _):
            first = nil
        }
        if let first {
            if spec?["initContainers"] == nil {
                patch.append(.init(add: "/spec/initContainers", [first]))
            } else {
                patch.append(.init(add: "/spec/initContainers/0", first))
            }
        }

        for skipped in request.skipContainers where !names.contains(skipped) {
            warnings.append(
                "skyferry: \(PodAnnotations.skipContainers) names \(skipped), which is not a container of this pod"
            )
        }
        var skippedEnv: [String] = []
        for (index, container) in containers.enumerated() where !request.skipContainers.contains(names[index]) {
            let base = "/spec/containers/\(index)"
            let existingPaths = Set(
                (container["volumeMounts"]?.arrayValue ?? []).compactMap { $0["mountPath"]?.stringValue }
            )
            let wanted = appMounts(request, agent: hasAgent)
            var mounts: [JSONValue] = []
            for mount in wanted where !existingPaths.contains(mount["mountPath"]?.stringValue ?? "") {
                mounts.append(mount)
            }
            if mounts.count < wanted.count {
                warnings.append(
                    "skyferry: container \(names[index]) already mounts something at a path skyferry uses; it was "
                        + "left as is"
                )
            }
            appendAll(&patch, to: base + "/volumeMounts", exists: container["volumeMounts"] != nil, mounts)

            let existingEnv = Set((container["env"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
            if request.azure != nil, let warning = Self.azureConflict(names[index], existingEnv) {
                warnings.append(warning)
            }
            var env: [JSONValue] = []
            for (name, value) in appEnvironment(request) {
                if existingEnv.contains(name) {
                    skippedEnv.append("\(names[index])=\(name)")
                } else {
                    env.append(["name": .string(name), "value": .string(value)])
                }
            }
            appendAll(&patch, to: base + "/env", exists: container["env"] != nil, env)
            if !env.isEmpty, !(container["envFrom"]?.arrayValue ?? []).isEmpty {
                // Kubernetes lets `env` win over `envFrom`, and the webhook cannot read the ConfigMaps and Secrets.
                let added = env.compactMap { $0["name"]?.stringValue }.joined(separator: ", ")
                warnings.append(
                    "skyferry: container \(names[index]) takes variables from envFrom, which the webhook cannot read; "
                        + "if they set \(added), skyferry's values take precedence (set yours under env to keep them)"
                )
            }
        }
        if let sidecar {
            patch.append(.init(add: "/spec/containers/-", sidecar))
        }

        var added: [(String, JSONValue)] = [(PodAnnotations.status, "injected")]
        if !skippedEnv.isEmpty {
            added.append((PodAnnotations.skippedEnv, .string(skippedEnv.joined(separator: ","))))
            warnings.append(
                "skyferry: kept environment variables the pod already sets: \(skippedEnv.joined(separator: ", "))"
            )
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

    /// Why the agent's loopback endpoints cannot work in this pod, or nil.
    ///
    /// In `sidecar` mode the agent listens on fixed 127.0.0.1 ports shared by every container of the pod.
    /// A container that declares one of them would make the agent (or itself) fail to start, and with
    /// `hostNetwork` the ports are the node's: taken by the first such pod on the node, and the metadata
    /// emulation would hand tokens to any process on the node.
    static func loopbackProblem(_ request: InjectionRequest, spec: JSONValue?, containers: [JSONValue]) -> String? {
        let ports = InjectionLayout.loopbackPorts(request)
        guard !ports.isEmpty else { return nil }
        let listed = ports.map { "127.0.0.1:\($0.port) (\($0.purpose))" }.joined(separator: ", ")
        if spec?["hostNetwork"] == .bool(true) {
            return
                "skyferry: the pod sets hostNetwork: true, so the agent's loopback endpoints \(listed) would be the "
                + "node's, "
                + "shared with every process on the node and taken by the first such pod (expected "
                + "\(PodAnnotations.mode): init-only "
                + "for hostNetwork pods, which writes credential files instead)"
        }
        var conflicts: [String] = []
        for container in containers {
            for declared in container["ports"]?.arrayValue ?? [] {
                guard case .number(let text) = declared["containerPort"], let port = Int(text),
                    (declared["protocol"]?.stringValue ?? "TCP") == "TCP",
                    let use = ports.first(where: { $0.port == port })
                else { continue }
                conflicts.append(
                    "container \(container["name"]?.stringValue ?? "?") declares containerPort \(port), where the "
                        + "agent serves \(use.purpose)"
                )
            }
        }
        guard !conflicts.isEmpty else { return nil }
        return "skyferry: " + conflicts.joined(separator: "; ")
            + " (expected the pod's containers to leave the agent's ports "
            + ports.map { String($0.port) }.joined(separator: ", ")
            + " free, or \(PodAnnotations.mode): init-only, which listens on none)"
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

    func volumes(_ request: InjectionRequest, agent: Bool = true) -> [JSONValue] {
        var sources: [JSONValue] = []
        if request.aws != nil {
            sources.append(
                tokenProjection(
                    audience: request.tokenAudience ?? AWSInjection.defaultAudience,
                    file: InjectionLayout.awsTokenFile,
                    request
                )
            )
        }
        if let gcp = request.gcp {
            sources.append(
                tokenProjection(
                    audience: request.tokenAudience ?? gcp.audience,
                    file: InjectionLayout.gcpTokenFile,
                    request
                )
            )
        }
        if let azure = request.azure {
            sources.append(
                tokenProjection(
                    audience: request.tokenAudience ?? azure.cloud.tokenAudience,
                    file: InjectionLayout.azureTokenFile,
                    request
                )
            )
        }
        var volumes: [JSONValue] = [
            ["name": .string(InjectionLayout.tokenVolume), "projected": ["sources": .array(sources)]]
        ]
        if agent {
            volumes.append([
                "name": .string(InjectionLayout.outputVolume),
                "emptyDir": ["medium": "Memory", "sizeLimit": .string(InjectionLayout.outputSizeLimit)],
            ])
        }
        return volumes
    }

    private func tokenProjection(audience: String, file: String, _ request: InjectionRequest) -> JSONValue {
        [
            "serviceAccountToken": [
                "audience": .string(audience), "expirationSeconds": .integer(request.tokenExpirationSeconds),
                "path": .string(file),
            ]
        ]
    }

    /// The restricted Pod Security Standard, met by every container the webhook adds.
    static let restrictedSecurityContext: JSONValue = [
        "allowPrivilegeEscalation": false,
        "capabilities": ["drop": ["ALL"]],
        "readOnlyRootFilesystem": true,
        "runAsNonRoot": true,
        "seccompProfile": ["type": "RuntimeDefault"],
    ]

    /// The user and group the injected containers run as, so that the app containers can read the agent's
    /// `0640` files, and a warning when no single choice lets them.
    ///
    /// With a pod `fsGroup` the files are group-owned by it: nothing to do. Otherwise the agent runs as the
    /// pod's `runAsUser` (or the image's 65532). When the app containers declare one other non-root user
    /// (and perhaps one group), the agent runs as that user: it holds nothing the apps are not given anyway.
    /// Apps whose user comes from their image cannot be seen here; root reads the files regardless.
    static func agentIdentity(
        podSecurityContext pod: JSONValue?,
        apps: [(name: String, container: JSONValue)]
    )
        -> (securityContext: [(String, JSONValue)], warning: String?)
    {
        func integer(_ value: JSONValue?) -> Int? {
            guard case .number(let text) = value else { return nil }
            return Int(text)
        }
        if let fsGroup = pod?["fsGroup"], fsGroup != .null { return ([], nil) }
        let agentUser = integer(pod?["runAsUser"]) ?? InjectionLayout.imageUser
        var users: [(name: String, user: Int)] = []
        var groups = Set<Int?>()
        for (name, container) in apps {
            let context = container["securityContext"]
            guard let user = integer(context?["runAsUser"]) ?? integer(pod?["runAsUser"]), user != 0 else { continue }
            users.append((name, user))
            groups.insert(integer(context?["runAsGroup"]) ?? integer(pod?["runAsGroup"]))
        }
        let distinct = Set(users.map(\.user))
        guard let user = distinct.first, distinct != [agentUser] else { return ([], nil) }
        if distinct.count == 1 {
            var context: [(String, JSONValue)] = [("runAsUser", .integer(user))]
            if groups.count == 1, let group = groups.first ?? nil { context.append(("runAsGroup", .integer(group))) }
            return (context, nil)
        }
        let listed = users.map { "\($0.name) (user \($0.user))" }.joined(separator: ", ")
        return (
            [],
            "skyferry: containers \(listed) run as different users and the pod sets no fsGroup, so the agent's files "
                + "(mode \(InjectionLayout.outputFileMode), user \(agentUser)) are readable by at most one of them; "
                + "set spec.securityContext.fsGroup"
        )
    }

    func agentContainer(
        name: String,
        once: Bool,
        native: Bool,
        yaml: String,
        identity: [(String, JSONValue)] = []
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("image", .string(agent.image)),
            ("command", [.string(InjectionLayout.binary)]),
            ("args", once ? ["agent", "--once"] : ["agent"]),
            ("env", [["name": "SKYFERRY_CONFIG_YAML", "value": .string(yaml)]]),
            ("resources", agent.resources),
            (
                "securityContext",
                identity.isEmpty
                    ? Self.restrictedSecurityContext : .object(Self.restrictedSecurityContext.objectValue! + identity)
            ),
            (
                "volumeMounts",
                [
                    [
                        "name": .string(InjectionLayout.tokenVolume),
                        "mountPath": .string(InjectionLayout.tokenDirectory), "readOnly": true,
                    ],
                    [
                        "name": .string(InjectionLayout.outputVolume),
                        "mountPath": .string(InjectionLayout.outputDirectory),
                    ],
                ]
            ),
            ("terminationMessagePolicy", "FallbackToLogsOnError"),
        ]
        if native {
            // The app containers start only once this probe passes: after the first credentials exist.
            members.append(("restartPolicy", "Always"))
            members.append(
                (
                    "startupProbe",
                    [
                        "exec": ["command": [.string(InjectionLayout.binary), "probe"]],
                        "periodSeconds": .integer(1),
                        "timeoutSeconds": .integer(1),
                        "failureThreshold": .integer(120),
                    ]
                )
            )
        }
        return .object(members)
    }

    func appMounts(_ request: InjectionRequest, agent: Bool = true) -> [JSONValue] {
        var mounts: [JSONValue] = []
        if agent {
            mounts.append([
                "name": .string(InjectionLayout.outputVolume), "mountPath": .string(InjectionLayout.outputDirectory),
                "readOnly": true,
            ])
        }
        if request.mode == .initOnly && (request.gcp != nil || request.azure != nil) {
            // The external_account file names the projected token, and AZURE_FEDERATED_TOKEN_FILE is it: Google's
            // libraries and Azure SDKs read it themselves.
            mounts.append([
                "name": .string(InjectionLayout.tokenVolume), "mountPath": .string(InjectionLayout.tokenDirectory),
                "readOnly": true,
            ])
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
        if let azure = request.azure { env += Self.azureEnvironment(azure, mode: request.mode) }
        return env
    }
}
