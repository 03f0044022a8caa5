import FoundationEssentials
import SFCore

/// The agent's loopback servers, one HTTP server per listen address: AWS container-credentials
/// endpoints (several AWS targets may share one address, one path each), GCE metadata emulations,
/// IMDSv2 emulations (`imdsListen`), Azure managed-identity endpoints (one per target) and, from SFAgent
/// (`LocalEndpoints.health`), the health server.
///
/// Each `Server.respond` is that server's whole request handling — its `LoopbackRequestPolicy`, then its
/// responder — as a function of the request and the time, with no server stack: SFAgent's `LocalHTTPServer`
/// only converts HTTP to `LocalRequest` and back, so a fuzz target (`FuzzLoopbackRequests`) calls `respond`
/// directly, without NIO, Hummingbird or Prometheus in its build.
public enum LocalEndpoints {
    /// One server to run.
    public struct Server: Sendable {
        public var address: ListenAddress
        /// `awsContainerEndpoint`, `gcpMetadataServer`, `imds`, `azureManagedIdentityEndpoint` or `health`.
        public var kind: String
        /// The Host, browser and proxy checks in front of `respond`.
        public var policy: LoopbackRequestPolicy
        /// The whole request handling: policy, then the responder.
        public var respond: @Sendable (LocalRequest, Date) async -> LocalResponse

        public init(
            address: ListenAddress,
            kind: String,
            policy: LoopbackRequestPolicy,
            refuse: @escaping @Sendable (LoopbackRequestPolicy.Refusal) -> LocalResponse,
            responder: @escaping @Sendable (LocalRequest, Date) async -> LocalResponse
        ) {
            self.address = address
            self.kind = kind
            self.policy = policy
            self.respond = policy.guarding(refuse: refuse, responder)
        }
    }

    /// Every distinct `authTokenFile`, with its mode, in configuration order.
    public static func authTokenFiles(_ configuration: AgentConfiguration) -> [(path: String, mode: UInt32)] {
        var seen = Set<String>()
        return configuration.targets.compactMap { target in
            guard let endpoint = target.outputs.awsContainerEndpoint, seen.insert(endpoint.authTokenFile).inserted
            else { return nil }
            return (endpoint.authTokenFile, endpoint.authTokenFileMode)
        }
    }

    /// The credential servers the configuration asks for.
    /// - Parameters:
    ///   - authTokens: `authTokenFile` path → the token written there.
    ///   - imdsSessionToken: makes a fresh IMDSv2 session token (per `PUT /latest/api/token`).
    ///   - equals: a constant-time comparison for presented secrets.
    ///   - idTokens: for a GCP target, its ID-token issuer (nil when it does not impersonate a service account).
    ///   - azure: for an Azure target with `azureManagedIdentityEndpoint`, its token provider and the secret
    ///     (`IDENTITY_HEADER`) requests must present; nil serves no endpoint for it.
    public static func servers(
        _ configuration: AgentConfiguration,
        store: CredentialStore,
        authTokens: [String: String],
        imdsSessionToken: @escaping @Sendable () -> String,
        equals: @escaping @Sendable ([UInt8], [UInt8]) -> Bool,
        idTokens: (TargetConfiguration) -> GCPMetadataEmulator.IDTokenIssuer?,
        azure: (TargetConfiguration) -> (tokens: any AzureTokenProvider, secret: String)? = { _ in nil }
    ) -> [Server] {
        func matcher(_ secret: String?) -> @Sendable (String) -> Bool {
            let expected = Array((secret ?? "").utf8)
            return { presented in !expected.isEmpty && equals(Array(presented.utf8), expected) }
        }
        let margin = Duration.seconds(configuration.refresh.expiryMarginSeconds)
        var servers: [Server] = []
        for target in configuration.targets {
            if let metadata = target.outputs.gcpMetadataServer, case .gcp(let gcp) = target.provider {
                let emulator = GCPMetadataEmulator(
                    target: target.name,
                    server: metadata,
                    gcp: gcp,
                    store: store,
                    margin: margin,
                    idTokens: idTokens(target)
                )
                servers.append(
                    Server(
                        address: metadata.listen,
                        kind: OutputKind.gcpMetadataServer.rawValue,
                        policy: LoopbackRequestPolicy(listen: metadata.listen),
                        refuse: { emulator.text($0.status, $0.reason + "\n") },
                        responder: { await emulator.respond(to: $0, now: $1) }
                    )
                )
            }
        }
        for target in configuration.targets {
            guard let output = target.outputs.azureManagedIdentityEndpoint, let (tokens, secret) = azure(target)
            else { continue }
            let endpoint = AzureManagedIdentityEndpoint(
                target: target.name,
                imdsPath: output.imdsPath,
                tokens: tokens,
                secretMatches: matcher(secret)
            )
            servers.append(
                Server(
                    address: output.listen,
                    kind: OutputKind.azureManagedIdentityEndpoint.rawValue,
                    policy: LoopbackRequestPolicy(listen: output.listen),
                    refuse: AzureManagedIdentityEndpoint.refusal,
                    responder: { await endpoint.respond(to: $0, now: $1) }
                )
            )
        }
        for target in configuration.targets {
            guard let listen = target.outputs.gcpExternalAccountFile?.imdsListen else { continue }
            let sessions = IMDSSessionTokens(makeToken: imdsSessionToken, equals: equals)
            let emulator = AWSMetadataEmulator(target: target.name, store: store, margin: margin, sessions: sessions)
            servers.append(
                Server(
                    address: listen,
                    kind: "imds",
                    policy: LoopbackRequestPolicy(listen: listen),
                    refuse: { .text($0.status, $0.reason + "\n") },
                    responder: { emulator.respond(to: $0, now: $1) }
                )
            )
        }
        for (configured, targets) in containerEndpoints(configuration) {
            let endpoint = ContainerCredentialsEndpoint(
                targets: targets,
                store: store,
                margin: margin,
                tokenMatches: matcher(authTokens[configured.authTokenFile])
            )
            let policy = LoopbackRequestPolicy(listen: configured.listen, allowedHosts: configured.allowedHosts)
            let refuse: @Sendable (LoopbackRequestPolicy.Refusal) -> LocalResponse = { refusal in
                ContainerCredentialsEndpoint.error(
                    refusal.status,
                    refusal.status == 400 ? "BadRequest" : "Forbidden",
                    refusal.reason
                )
            }
            servers.insert(
                Server(
                    address: configured.listen,
                    kind: OutputKind.awsContainerEndpoint.rawValue,
                    policy: policy,
                    refuse: refuse,
                    responder: { endpoint.respond(to: $0, now: $1) }
                ),
                at: 0
            )
        }
        return servers
    }

    /// What to warn about at start: each container endpoint that listens beyond loopback
    /// (`allowNonLoopback`), as (listen address, accepted Host names). No secrets.
    public static func nonLoopbackEndpoints(
        _ configuration: AgentConfiguration
    ) -> [(listen: ListenAddress, hosts: [String])] {
        containerEndpoints(configuration).compactMap { endpoint, _ in
            guard !endpoint.listen.isLoopback else { return nil }
            let policy = LoopbackRequestPolicy(listen: endpoint.listen, allowedHosts: endpoint.allowedHosts)
            return (endpoint.listen, policy.hostNames)
        }
    }

    /// One container endpoint per listen address, with the targets it serves and the `allowedHosts` of all of them.
    static func containerEndpoints(
        _ configuration: AgentConfiguration
    ) -> [(endpoint: AWSContainerEndpointOutputConfiguration, targets: Set<String>)] {
        var endpoints: [(endpoint: AWSContainerEndpointOutputConfiguration, targets: Set<String>)] = []
        for target in configuration.targets {
            guard let endpoint = target.outputs.awsContainerEndpoint else { continue }
            if let index = endpoints.firstIndex(where: { $0.endpoint.listen == endpoint.listen }) {
                endpoints[index].targets.insert(target.name)
                endpoints[index].endpoint.allowedHosts += endpoint.allowedHosts
            } else {
                endpoints.append((endpoint, [target.name]))
            }
        }
        return endpoints
    }
}
