import FoundationEssentials
import Logging
import SFAgent
import SFCore
import SFCrypto
import SFGCP
import SFLocalEndpoints
import SFOutputs

extension Composition {
    /// Servers for the `awsContainerEndpoint`, `gcpMetadataServer`, `imdsListen` and
    /// `azureManagedIdentityEndpoint` outputs. Makes a fresh random authorization token per `authTokenFile` and a
    /// secret per `secretFile`, and writes them (atomically, no trailing newline: botocore sends the file's bytes as
    /// they are, and an `IDENTITY_HEADER` read from the file must be the secret itself) before any server starts.
    static func endpointServices(
        _ configuration: AgentConfiguration,
        exchanges: [TargetExchange],
        store: CredentialStore,
        transport: any HTTPTransport,
        metrics: AgentMetrics,
        now: @escaping @Sendable () -> Date,
        logger: Logger
    ) throws(CompositionError) -> [LocalHTTPServer] {
        var tokens: [String: String] = [:]
        for file in LocalEndpoints.authTokenFiles(configuration) {
            let token = Hex.lower(SecureRandom.bytes(32))
            do {
                try AtomicFileWriter().write(Array(token.utf8), to: file.path, mode: file.mode)
            } catch {
                throw .authTokenFile(underlying: error)
            }
            tokens[file.path] = token
            logger.info("container endpoint authorization token written", metadata: ["file.path": "\(file.path)"])
        }
        let azureSecrets = try writeAzureSecrets(configuration, logger: logger)
        for (listen, hosts) in LocalEndpoints.nonLoopbackEndpoints(configuration) {
            // Any host that reaches this address and holds the authorization token gets the credentials.
            logger.warning(
                "container credentials endpoint listens beyond loopback (allowNonLoopback)",
                metadata: [
                    "listen.address": "\(listen)", "allowed.hosts": "\(hosts.joined(separator: ","))",
                ]
            )
        }
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)
        let servers = LocalEndpoints.servers(
            configuration,
            store: store,
            authTokens: tokens,
            imdsSessionToken: { Hex.lower(SecureRandom.bytes(32)) },
            equals: { Digest.constantTimeEquals($0, $1) },
            idTokens: { target in
                guard case .gcp(let gcp) = target.provider, let account = gcp.serviceAccount else { return nil }
                let issuer = GCPIDTokenIssuer(
                    configuration: gcp,
                    serviceAccount: account,
                    transport: transport,
                    requestTimeout: timeout
                )
                let name = target.name
                return { audience, includeEmail in
                    try await issuer.idToken(
                        audience: audience,
                        includeEmail: includeEmail,
                        federatedToken: store.federatedToken(name, now: now())
                    )
                }
            },
            azure: { target in
                guard case .azure(let azure) = target.provider, let secret = azureSecrets[target.name],
                    let exchange = exchanges.first(where: { $0.name == target.name })?.azureResourceExchange
                else { return nil }
                let name = target.name
                let tokens = AzureOnDemandTokens(
                    clientId: azure.clientId,
                    margin: .seconds(configuration.refresh.expiryMarginSeconds),
                    now: now,
                    refreshed: { store.azureTokens(name) },
                    exchange: exchange,
                    target: name,
                    logger: logger
                )
                return (tokens, secret)
            }
        )
        return servers.map { serve($0, limits: configuration.server, metrics: metrics, now: now, logger: logger) }
    }

    /// The secret of each `azureManagedIdentityEndpoint`, by target: the configured `secret` (the webhook's per-pod
    /// one, already in the application's `IDENTITY_HEADER`), else a fresh random one written to `secretFile`.
    static func writeAzureSecrets(
        _ configuration: AgentConfiguration,
        logger: Logger
    ) throws(CompositionError) -> [String: String] {
        var secrets: [String: String] = [:]
        for target in configuration.targets {
            guard let output = target.outputs.azureManagedIdentityEndpoint else { continue }
            if let secret = output.secret {
                secrets[target.name] = secret
                continue
            }
            guard let path = output.secretFile else { continue }
            let secret = Hex.lower(SecureRandom.bytes(32))
            do {
                try AtomicFileWriter().write(Array(secret.utf8), to: path, mode: output.secretFileMode)
            } catch {
                throw .azureSecretFile(underlying: error)
            }
            secrets[target.name] = secret
            logger.info(
                "managed-identity endpoint secret written",
                metadata: ["target.name": "\(target.name)", "file.path": "\(path)"]
            )
        }
        return secrets
    }

    /// Serves a local endpoint with the real clock (the only impure part of its request handling), within the
    /// configuration's `server` timeouts and connection cap, counting its connections in `metrics`.
    static func serve(
        _ server: LocalEndpoints.Server,
        limits: ServerLimits,
        metrics: AgentMetrics,
        now: @escaping @Sendable () -> Date,
        logger: Logger
    ) -> LocalHTTPServer {
        let respond = server.respond
        var serverLogger = logger
        serverLogger[metadataKey: "server"] = "\(server.kind)"
        var http = LocalHTTPServer(address: server.address, logger: serverLogger) { request in
            await respond(request, now())
        }
        http.limits = limits
        http.observer = metrics.connectionObserver(server: server.kind)
        return http
    }
}
