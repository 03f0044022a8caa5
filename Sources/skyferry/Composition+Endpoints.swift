import FoundationEssentials
import Logging
import SFAgent
import SFCore
import SFCrypto
import SFGCP
import SFLocalEndpoints
import SFOutputs

extension Composition {
    /// Servers for the `awsContainerEndpoint` and `gcpMetadataServer` outputs. Makes a fresh random
    /// authorization token per `authTokenFile` and writes it (atomically, no trailing newline: botocore
    /// sends the file's bytes as they are) before any server starts; exits 6 if it cannot.
    static func endpointServices(_ configuration: AgentConfiguration, store: CredentialStore, transport: any HTTPTransport,
                                 metrics: AgentMetrics, now: @escaping @Sendable () -> Date,
                                 logger: Logger) -> [LocalHTTPServer] {
        var tokens: [String: String] = [:]
        for file in LocalEndpoints.authTokenFiles(configuration) {
            let token = Hex.lower(SecureRandom.bytes(32))
            do {
                try AtomicFileWriter().write(Array(token.utf8), to: file.path, mode: file.mode)
            } catch {
                fail("awsContainerEndpoint.authTokenFile: \(error)", code: 6)
            }
            tokens[file.path] = token
            logger.info("container endpoint authorization token written", metadata: ["file.path": "\(file.path)"])
        }
        for (listen, hosts) in LocalEndpoints.nonLoopbackEndpoints(configuration) {
            // Any host that reaches this address and holds the authorization token gets the credentials.
            logger.warning("container credentials endpoint listens beyond loopback (allowNonLoopback)", metadata: [
                    "listen.address": "\(listen)", "allowed.hosts": "\(hosts.joined(separator: ","))",
                ])
        }
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)
        let servers = LocalEndpoints.servers(
            configuration, store: store, authTokens: tokens, imdsSessionToken: { Hex.lower(SecureRandom.bytes(32)) },
            equals: { Digest.constantTimeEquals($0, $1) },
            idTokens: { target in
                guard case .gcp(let gcp) = target.provider, let account = gcp.serviceAccount else { return nil }
                return idTokenIssuer(target: target.name, gcp: gcp, account: account, store: store,
                                     transport: transport, timeout: timeout, now: now)
            })
        return servers.map { serve($0, limits: configuration.server, metrics: metrics, now: now, logger: logger) }
    }

    /// Serves a local endpoint with the real clock (the only impure part of its request handling), within the
    /// configuration's `server` timeouts and connection cap, counting its connections in `metrics`.
    static func serve(_ server: LocalEndpoints.Server, limits: ServerLimits, metrics: AgentMetrics,
                      now: @escaping @Sendable () -> Date, logger: Logger) -> LocalHTTPServer {
        let respond = server.respond
        var http = LocalHTTPServer(address: server.address, logger: logger.with(["server": "\(server.kind)"])) { request in
            await respond(request, now())
        }
        http.limits = limits
        http.observer = metrics.connectionObserver(server: server.kind)
        return http
    }

    /// ID tokens for the impersonated service account, minted by IAM Credentials `generateIdToken`
    /// with the target's current federated token.
    static func idTokenIssuer(target: String, gcp: GCPTargetConfiguration, account: String, store: CredentialStore,
                              transport: any HTTPTransport, timeout: Duration, now: @escaping @Sendable () -> Date) -> GCPMetadataEmulator.IDTokenIssuer {
        return { audience, includeEmail in
            guard case .gcp(let token)? = store.validCredentials(target, now: now()), let federated = token.federatedToken,
                  (token.federatedTokenExpiration ?? .distantFuture) > now()
            else {
                throw EndpointError.noFederatedToken(target: target)
            }
            let request = GCPSecurityTokenService.generateIdTokenRequest(
                iamEndpoint: gcp.resolvedIAMEndpoint, serviceAccount: account, federatedToken: federated, audience: audience, includeEmail: includeEmail)
            let context = GCPError.Context(audience: gcp.audience, serviceAccount: account, endpoint: request.endpoint.url,
                                           subject: nil, issuer: nil, tokenAudiences: [])
            let response: HTTPResponse
            do throws(HTTPTransportError) {
                response = try await transport.send(request, timeout: timeout)
            } catch {
                throw GCPError.transport(context, service: "IAM Credentials", underlying: error)
            }
            return try GCPSecurityTokenService.parseGenerateIdToken(status: response.status, body: response.body, context: context)
        }
    }

    enum EndpointError: Error, CustomStringConvertible {
        case noFederatedToken(target: String)

        var description: String {
            switch self {
            case .noFederatedToken(let target):
                return "target \(target) holds no valid federated token yet (the first exchange has not succeeded, or the last one expired)"
            }
        }
    }
}

extension Logger {
    func with(_ metadata: Logger.Metadata) -> Logger {
        var copy = self
        for (key, value) in metadata { copy[metadataKey: key] = value }
        return copy
    }
}
