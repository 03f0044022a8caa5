import ArgumentParser
import FoundationEssentials
import Logging
import SFAgent
import SFConfiguration
import SFCore
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
        let server = WebhookServer(
            address: configuration.listen,
            handler: handler,
            certificates: certificates,
            metrics: metrics,
            limits: configuration.server,
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: server), .init(service: certificates)],
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
