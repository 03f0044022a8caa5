import ArgumentParser
import FoundationEssentials
import Logging
import SFAgent
import SFConfiguration
import SFCore
import SFHTTP
import SFWebhook
import SFWebhookServer
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// `skyferry webhook`: the mutating admission webhook that injects the agent into labelled pods.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract:
            "Serve the mutating admission webhook (HTTPS) that injects the skyferry agent into pods labelled "
            + "skyferry.dev/inject=true.",
        discussion: "Stops with success on SIGTERM/SIGINT. "
            + CommandExitStatus.helpText([.success, .configurationInvalid, .certificateUnavailable])
    )

    @Option(name: .long, help: "Path of the webhook's YAML configuration file.")
    var config: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = makeLogger(global)
        let configuration = try loadWebhookConfiguration(config)
        let metrics = WebhookMetrics()
        let certificates: CertificateReloader
        do {
            certificates = try CertificateReloader(
                configuration: configuration.tls,
                logger: logger,
                onReloadFailure: { metrics.recordCertificateReloadFailure() }
            )
        } catch {
            throw CommandFailure("cannot start the webhook: \(error)", .certificateUnavailable)
        }
        let handler = AdmissionHandler(
            mutator: PodMutator(
                agent: configuration.agent,
                nativeSidecars: configuration.nativeSidecars,
                azure: configuration.azure,
                randomBytes: PodMutator.systemRandomBytes
            )
        )
        logger.info(
            "skyferry webhook starting",
            metadata: [
                "version": "\(Skyferry.version)", "agent.image": "\(configuration.agent.image)",
                "nativeSidecars": "\(configuration.nativeSidecars)",
            ]
        )
        let kubernetes = Self.serviceAccounts(configuration.kubernetes, metrics: metrics, logger: logger)
        let server = WebhookServer(
            address: configuration.listen,
            handler: handler,
            certificates: certificates,
            metrics: metrics,
            limits: configuration.server,
            logger: logger,
            serviceAccounts: kubernetes?.resolver
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server), .init(service: certificates),
        ]
        if let watcher = kubernetes?.watcher { services.append(.init(service: watcher)) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("skyferry webhook stopped")
    }
}

/// Reads and validates the webhook configuration; exits 2 with the full message on any problem.
func loadWebhookConfiguration(_ path: String) throws(CommandFailure) -> WebhookConfiguration {
    do {
        return try ConfigurationLoader.webhook(path: path)
    } catch {
        throw CommandFailure(error.description, .configurationInvalid)
    }
}

extension WebhookCommand {
    /// The ServiceAccount cache, its watcher and the resolver, when ServiceAccounts are read (in a cluster, or
    /// with `kubernetes.apiServer`); nil keeps the behaviour of pod annotations only.
    static func serviceAccounts(
        _ configuration: KubernetesConfiguration,
        metrics: WebhookMetrics,
        logger: Logger
    ) -> (resolver: ServiceAccountResolver, watcher: ServiceAccountWatcher)? {
        let environment = ProcessEnvironment.current()
        guard let server = configuration.server(environment: environment) else {
            logger.info(
                "ServiceAccount annotations not read",
                metadata: [
                    "reason": "\(configuration.serviceAccountsEnabled ? "not in a cluster" : "disabled")"
                ]
            )
            return nil
        }
        var proxy = ProxySettings.from(environment: environment)
        if configuration.apiServer == nil {
            // The in-cluster Service address is reachable only from inside: never through an outbound proxy.
            proxy.noProxy = [proxy.noProxy, server.host].compactMap { $0 }.joined(separator: ",")
        }
        let options = CurlTransport.Options(
            // A page of 500 ServiceAccounts with large annotations (kubectl's last-applied-configuration) can
            // pass the 1 MiB that STS answers are capped at.
            maxResponseBytes: 64 << 20,
            extraCABundle: configuration.caFile,
            proxy: proxy,
            userAgent: "skyferry-webhook/\(Skyferry.version)"
        )
        let cache = ServiceAccountCache(readyTimeout: .seconds(configuration.readyTimeoutSeconds))
        let requests = KubernetesAPIRequests(server: server, watchTimeoutSeconds: configuration.watchTimeoutSeconds)
        let token = KubernetesTokenFile(path: configuration.tokenFile)
        let accountMetrics = ServiceAccountMetrics(registry: metrics.registry)
        let transport = CurlTransport(options: options)
        logger.info("reading ServiceAccount annotations", metadata: ["kubernetes.apiServer": "\(server)"])
        return (
            ServiceAccountResolver(
                cache: cache,
                requests: requests,
                transport: transport,
                token: token,
                metrics: accountMetrics
            ),
            ServiceAccountWatcher(
                cache: cache,
                requests: requests,
                transport: transport,
                streams: CurlLineStreamTransport(options: options),
                token: token,
                metrics: accountMetrics,
                logger: logger
            )
        )
    }
}
