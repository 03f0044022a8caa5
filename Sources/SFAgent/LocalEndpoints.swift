import FoundationEssentials
import Logging
import SFCore

/// The agent's credential endpoints, one HTTP server per listen address: AWS container-credentials
/// endpoints (several AWS targets may share one address, one path each) and GCE metadata emulations.
public enum LocalEndpoints {
    /// One server to run.
    public struct Server: Sendable {
        public var address: ListenAddress
        public var kind: String
        public var respond: @Sendable (LocalRequest) async -> LocalResponse
    }

    /// Every distinct `authTokenFile`, with its mode, in configuration order.
    public static func authTokenFiles(_ configuration: AgentConfiguration) -> [(path: String, mode: UInt32)] {
        var seen = Set<String>()
        return configuration.targets.compactMap { target in
            guard let endpoint = target.outputs.awsContainerEndpoint, seen.insert(endpoint.authTokenFile).inserted else { return nil }
            return (endpoint.authTokenFile, endpoint.authTokenFileMode)
        }
    }

    /// The servers the configuration asks for.
    /// - Parameters:
    ///   - authTokens: `authTokenFile` path → the token written there.
    ///   - imdsSessionToken: the IMDSv2 session token the `imdsListen` emulations hand out.
    ///   - equals: a constant-time comparison for presented secrets.
    ///   - idTokens: for a GCP target, its ID-token issuer (nil when it does not impersonate a service account).
    public static func servers(_ configuration: AgentConfiguration, store: CredentialStore, now: @escaping @Sendable () -> Date,
                               authTokens: [String: String], imdsSessionToken: String,
                               equals: @escaping @Sendable ([UInt8], [UInt8]) -> Bool,
                               idTokens: (TargetConfiguration) -> MetadataServerEmulator.IDTokenIssuer?) -> [Server] {
        func matcher(_ secret: String?) -> @Sendable (String) -> Bool {
            let expected = Array((secret ?? "").utf8)
            return { presented in !expected.isEmpty && equals(Array(presented.utf8), expected) }
        }
        let margin = Duration.seconds(configuration.refresh.expiryMarginSeconds)
        var servers: [Server] = []
        var containerTargets: [(address: ListenAddress, tokenFile: String, targets: Set<String>)] = []
        for target in configuration.targets {
            if let endpoint = target.outputs.awsContainerEndpoint {
                if let index = containerTargets.firstIndex(where: { $0.address == endpoint.listen }) {
                    containerTargets[index].targets.insert(target.name)
                } else {
                    containerTargets.append((endpoint.listen, endpoint.authTokenFile, [target.name]))
                }
            }
            if let metadata = target.outputs.gcpMetadataServer, case .gcp(let gcp) = target.provider {
                let emulator = MetadataServerEmulator(target: target.name, server: metadata, gcp: gcp, store: store, margin: margin,
                                                      idTokens: idTokens(target))
                servers.append(Server(address: metadata.listen, kind: "gcpMetadataServer") { await emulator.respond(to: $0, now: now()) })
            }
        }
        for target in configuration.targets {
            guard let listen = target.outputs.gcpExternalAccountFile?.imdsListen else { continue }
            let emulator = AWSMetadataEmulator(target: target.name, store: store, margin: margin, sessionToken: imdsSessionToken,
                                               sessionTokenMatches: matcher(imdsSessionToken))
            servers.append(Server(address: listen, kind: "imds") { emulator.respond(to: $0, now: now()) })
        }
        for (address, tokenFile, targets) in containerTargets {
            let endpoint = ContainerCredentialsEndpoint(targets: targets, store: store, margin: margin, tokenMatches: matcher(authTokens[tokenFile]))
            servers.insert(Server(address: address, kind: "awsContainerEndpoint") { endpoint.respond(to: $0, now: now()) }, at: 0)
        }
        return servers
    }
}
