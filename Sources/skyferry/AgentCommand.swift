import ArgumentParser
import FoundationEssentials
import Logging
import SFAWS
import SFAgent
import SFCore
import SFCrypto
import SFGCP
import SFHTTP
import SFLocalEndpoints
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// `skyferry agent`: exchange and write once (`--once`), or keep refreshing until SIGTERM.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Obtain credentials for every target and write its outputs; keep them fresh unless --once.",
        discussion: "With --once, and for start-up failures. " + CommandExitStatus.helpText(statuses)
    )

    /// What `agent` can end with; without `--once`, SIGTERM/SIGINT end it with `success`.
    static let statuses: [CommandExitStatus] = [
        .success, .configurationInvalid, .sourceFailed, .exchangeRejected, .stsUnavailable, .outputFailed,
    ]

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Path of the YAML configuration file. Without it, the YAML is read from the environment variable "
                    + "\(ConfigurationInput.environmentVariable) (as the webhook injects it)."
            )
    )
    var config: String?

    @Flag(
        name: .long,
        help:
            ArgumentHelp(
                "Write every output once and exit (init containers, Jobs, VMs). Nothing is written unless every target "
                    + "succeeds."
            )
    )
    var once = false

    @Option(name: .long, help: "Extra PEM CA bundle to trust, in addition to the system store, for HTTPS endpoints.")
    var caBundle: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if !once {
            // Until the service group installs its graceful handlers, a SIGTERM/SIGINT (a pod deleted
            // right after start) ends the process with status 0 instead of death by signal. Nothing
            // needs cleaning up yet: outputs are only ever replaced by rename.
            signal(SIGTERM) { _ in _exit(0) }
            signal(SIGINT) { _ in _exit(0) }
        }
        let logger = makeLogger(global)
        let input = ConfigurationInput(path: config)
        let configuration = try loadConfiguration(input, logger: logger)
        do {
            try configuration.checkEveryTargetHasOutputs()
        } catch {
            throw CommandFailure("configuration \(input.origin): \(error)", .configurationInvalid)
        }
        for leftover in OutputWriter(source: configuration.source).removeLeftovers(for: configuration.targets) {
            logger.debug(
                "removed a temporary file an interrupted write left behind",
                metadata: ["file.path": "\(leftover)"]
            )
        }
        let now: @Sendable () -> Date = { Date() }
        let transport = CurlTransport(
            options: .init(
                extraCABundle: caBundle,
                proxy: ProxySettings.from(environment: ProcessEnvironment.current()),
                userAgent: "skyferry/\(Skyferry.version)"
            )
        )
        let metrics = AgentMetrics(targets: configuration.targets.map(\.name))
        let random = SharedRandom { SecureRandom.bytes(8).withUnsafeBytes { $0.load(as: UInt64.self) } }
        let exchanges = try Composition.exchanges(
            configuration,
            transport: transport,
            metrics: metrics,
            now: now,
            random: random,
            logger: logger
        )
        logger.info(
            "skyferry agent starting",
            metadata: [
                "version": "\(Skyferry.version)", "mode": "\(once ? "once" : "refresh")",
                "source": "\(configuration.source.kind)",
                "targets": "\(configuration.targets.map(\.name).joined(separator: ","))",
            ]
        )

        if once {
            do {
                try configuration.checkRunnableOnce()
            } catch {
                throw CommandFailure("configuration \(input.origin): \(error)", .configurationInvalid)
            }
            do {
                _ = try await OnceRunner(
                    exchanges: exchanges,
                    refresh: configuration.refresh,
                    writer: OutputWriter(source: configuration.source)
                )
                .run(clock: ContinuousClock(), random: random, logger: logger)
            } catch {
                throw CommandFailure("\(error)", CommandExitStatus(error.kind))
            }
            return
        }

        let targets = configuration.targets.map(\.name)
        let store = CredentialStore(targets: targets)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = exchanges.map { exchange in
            .init(
                service: CredentialRotator(
                    exchange: exchange,
                    store: store,
                    metrics: metrics,
                    writer: OutputWriter(source: configuration.source),
                    refresh: configuration.refresh,
                    clock: ContinuousClock(),
                    now: now,
                    random: random,
                    logger: logger,
                    afterAttempt: { ResidentMemory.trim() }
                )
            )
        }
        services += try Composition.endpointServices(
            configuration,
            exchanges: exchanges,
            store: store,
            transport: transport,
            metrics: metrics,
            now: now,
            logger: logger
        )
        .map { .init(service: $0) }
        if let health = LocalEndpoints.health(configuration, store: store, metrics: metrics) {
            let server = Composition.serve(
                health,
                limits: configuration.server,
                metrics: metrics,
                now: now,
                logger: logger
            )
            services.append(.init(service: server))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(1500)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        logger.info("skyferry agent stopped")
    }
}
