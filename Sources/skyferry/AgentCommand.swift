import ArgumentParser
import FoundationEssentials
import Logging
import SFAWS
import SFAgent
import SFCore
import SFCrypto
import SFFiles
import SFGCP
import SFHTTP
import SFLocalEndpoints
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `skyferry agent`: exchange and write once (`--once`), or keep refreshing until SIGTERM.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Obtain credentials for every target and write its outputs; keep them fresh unless --once.",
        discussion: """
            Exit codes (with --once, and for start-up failures): 0 success; 2 configuration invalid; \
            3 identity source failed; 4 the STS rejected the exchange; 5 the STS was unavailable after retries; \
            6 an output could not be written.
            """)

    @Option(name: .long, help: "Path of the YAML configuration file. Without it, the YAML is read from the environment variable \(ConfigurationInput.environmentVariable) (as the webhook injects it).")
    var config: String?

    @Flag(name: .long, help: "Write every output once and exit (init containers, Jobs, VMs). Nothing is written unless every target succeeds.")
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
        let idle = configuration.targets.filter { $0.outputs.kinds.isEmpty }.map(\.name)
        guard idle.isEmpty else {
            Composition.fail("configuration \(input.origin): target(s) \(idle.joined(separator: ", ")) have no outputs; the agent would have nothing to write (targets[].outputs, e.g. awsCredentialsFile)", code: 2)
        }
        for leftover in OutputWriter(source: configuration.source).removeLeftovers(for: configuration.targets) {
            logger.debug("removed a temporary file an interrupted write left behind",
                         metadata: ["file.path": "\(leftover)"])
        }
        let now: @Sendable () -> Date = { Date() }
        let transport = CurlTransport(options: .init(
            extraCABundle: caBundle, proxy: ProxySettings.from(environment: ProcessEnvironment.current()),
            userAgent: "skyferry/\(Skyferry.version)"))
        let metrics = AgentMetrics(targets: configuration.targets.map(\.name))
        let random = SharedRandom { SecureRandom.bytes(8).withUnsafeBytes { $0.load(as: UInt64.self) } }
        let exchanges = Composition.exchanges(configuration, transport: transport, metrics: metrics, now: now, random: random, logger: logger)
        logger.info("skyferry agent starting", metadata: [
            "version": "\(Skyferry.version)", "mode": "\(once ? "once" : "refresh")",
            "source": "\(configuration.source.kind)", "targets": "\(configuration.targets.map(\.name).joined(separator: ","))",
        ])

        if once {
            let served = configuration.targets.filter {
                $0.outputs.awsContainerEndpoint != nil || $0.outputs.gcpMetadataServer != nil || $0.outputs.gcpExternalAccountFile?.imdsListen != nil
            }.map(\.name)
            guard served.isEmpty else {
                Composition.fail("configuration \(input.origin): target(s) \(served.joined(separator: ", ")) have endpoint outputs (awsContainerEndpoint, gcpMetadataServer, gcpExternalAccountFile.imdsListen), which only the long-running agent serves; run without --once, or use file outputs", code: 2)
            }
            do {
                _ = try await OnceRunner(exchanges: exchanges, refresh: configuration.refresh, writer: OutputWriter(source: configuration.source))
                    .run(clock: ContinuousClock(), random: random, logger: logger)
            } catch {
                Composition.fail("\(error)", code: Composition.exitCode(for: error.kind))
            }
            return
        }

        let targets = configuration.targets.map(\.name)
        let store = CredentialStore(targets: targets)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = exchanges.map { exchange in
            .init(service: CredentialRotator(
                exchange: exchange, store: store, metrics: metrics, writer: OutputWriter(source: configuration.source), refresh: configuration.refresh,
                clock: ContinuousClock(), now: now, random: random, logger: logger, afterAttempt: { ResidentMemory.trim() }))
        }
        services += Composition.endpointServices(configuration, store: store, transport: transport, metrics: metrics,
                                                 now: now, logger: logger)
            .map { .init(service: $0) }
        if let health = LocalEndpoints.health(configuration, store: store, metrics: metrics) {
            let server = Composition.serve(health, limits: configuration.server, metrics: metrics, now: now, logger: logger)
            services.append(.init(service: server))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(1500)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        logger.info("skyferry agent stopped")
    }
}

/// Builds the object graph from a validated configuration.
enum Composition {
    static func exchanges(_ configuration: AgentConfiguration, transport: any HTTPTransport, metrics: AgentMetrics,
                          now: @escaping @Sendable () -> Date, random: SharedRandom, logger: Logger) -> [TargetExchange] {
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)
        let shared = makeSource(configuration.source, transport: transport, timeout: timeout, now: now, random: random, logger: logger)
        return configuration.targets.map { target in
            let source = target.source.map { makeSource($0, transport: transport, timeout: timeout, now: now, random: random, logger: logger) } ?? shared
            let exchanger: any CredentialExchanger
            let measured = MeasuredTransport(base: transport, target: target.name, metrics: metrics, now: now,
                                             skewWarningSeconds: configuration.refresh.clockSkewWarningSeconds, logger: logger)
            switch target.provider {
            case .aws(let aws):
                exchanger = AWSWebIdentityExchanger(configuration: aws, transport: measured, requestTimeout: timeout, now: now)
            case .gcp(let gcp):
                exchanger = GCPFederationExchanger(configuration: gcp, transport: measured, requestTimeout: timeout, now: now)
            }
            return TargetExchange(target: target, source: source, exchanger: exchanger)
        }
    }

    static func makeSource(_ source: SourceConfiguration, transport: any HTTPTransport, timeout: Duration,
                           now: @escaping @Sendable () -> Date, random: SharedRandom, logger: Logger) -> any IdentitySource {
        switch source {
        case .tokenFile(let path):
            return TokenFileSource(path: path, now: now)
        case .gcpMetadata(let metadata):
            let endpoint: Endpoint
            do {
                endpoint = try GCPMetadataSourceConfiguration.resolveEndpoint(configured: metadata.endpoint, environment: ProcessEnvironment.current())
            } catch {
                fail("GCE_METADATA_HOST: \(error)", code: 2)
            }
            return GCPMetadataIdentitySource(configuration: metadata, endpoint: endpoint, transport: transport, requestTimeout: timeout,
                                             clock: ContinuousClock(), now: now, random: random, logger: logger)
        case .aws(let aws):
            return AWSCredentialChain(configuration: aws, environment: ProcessEnvironment.current(), transport: transport,
                                      requestTimeout: timeout, now: now, readFile: { path in try TokenFileSource.readFile(path) })
        }
    }

    static func exitCode(for kind: FailureKind) -> Int32 {
        switch kind {
        case .source: return 3
        case .rejected: return 4
        case .unavailable: return 5
        case .output: return 6
        }
    }

    /// Prints one line on stderr and exits with `code`.
    static func fail(_ message: String, code: Int32) -> Never {
        StderrLogHandler.writeToStderr("skyferry: \(message)\n")
        exit(code)
    }
}

func makeLogger(_ options: GlobalOptions) -> Logger {
    let level = options.logLevel.level
    let format = options.logFormat
    LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level, format: format) }
    return Logger(label: "skyferry")
}

/// Where the configuration comes from: a file, or (no `--config`) the `SKYFERRY_CONFIG_YAML` variable.
struct ConfigurationInput {
    static let environmentVariable = "SKYFERRY_CONFIG_YAML"
    var path: String?

    /// How messages name it.
    var origin: String { path ?? "$" + Self.environmentVariable }
}

/// Reads and validates the configuration; exits 2 with the full message on any problem.
func loadConfiguration(_ input: ConfigurationInput, logger: Logger) throws -> AgentConfiguration {
    let text: String
    if let path = input.path {
        do {
            // Bounded: one byte past the cap lets the parser's single size check reject it.
            let bytes = try SmallFile.readPrefix(path, maxBytes: ConfigurationParser.maxBytes + 1)
            text = String(decoding: bytes, as: UTF8.self)
        } catch {
            Composition.fail(ConfigurationError.unreadable(path: path, reason: String(cString: strerror(error.errnoValue))).description, code: 2)
        }
    } else if let inline = ProcessEnvironment.current()[ConfigurationInput.environmentVariable], !inline.isEmpty {
        text = inline
    } else {
        Composition.fail("no configuration: pass --config FILE, or set \(ConfigurationInput.environmentVariable) to the YAML text", code: 2)
    }
    do {
        return try ConfigurationParser().parse(text, origin: input.origin)
    } catch {
        Composition.fail(error.description, code: 2)
    }
}

extension TokenFileError {
    var errnoValue: Int32 {
        switch self {
        case .unreadable(_, let code): return code
        case .tooLarge: return EFBIG
        }
    }
}

/// The process environment, read once at the edge.
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
