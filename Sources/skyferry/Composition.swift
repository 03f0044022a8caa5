import FoundationEssentials
import Logging
import SFAWS
import SFAgent
import SFAzure
import SFConsole
import SFCore
import SFGCP
#if canImport(Glibc)
import Glibc
#endif

/// Builds the object graph from a validated configuration. Wiring only: every type it makes is a library's,
/// and what cannot be built is a thrown `CompositionError` for the command to end with.
enum Composition {
    static func exchanges(
        _ configuration: AgentConfiguration,
        transport: any HTTPTransport,
        metrics: AgentMetrics,
        now: @escaping @Sendable () -> Date,
        random: SharedRandom,
        logger: Logger
    ) throws(CompositionError) -> [TargetExchange] {
        let timeout = Duration.seconds(configuration.refresh.requestTimeoutSeconds)
        let shared = try makeSource(
            configuration.source,
            transport: transport,
            timeout: timeout,
            now: now,
            random: random,
            logger: logger
        )
        return try configuration.targets.map { target throws(CompositionError) in
            let source =
                try target.source.map { source throws(CompositionError) in
                    try makeSource(
                        source,
                        transport: transport,
                        timeout: timeout,
                        now: now,
                        random: random,
                        logger: logger
                    )
                } ?? shared
            let measured = MeasuredTransport(
                base: transport,
                target: target.name,
                metrics: metrics,
                now: now,
                skewWarningSeconds: configuration.refresh.clockSkewWarningSeconds,
                logger: logger
            )
            let exchanger = makeExchanger(target.provider, transport: measured, timeout: timeout, now: now)
            return TargetExchange(target: target, source: source, exchanger: exchanger)
        }
    }

    static func makeExchanger(
        _ provider: ProviderConfiguration,
        transport: any HTTPTransport,
        timeout: Duration,
        now: @escaping @Sendable () -> Date
    ) -> any CredentialExchanger {
        switch provider {
        case .aws(let aws):
            return AWSWebIdentityExchanger(configuration: aws, transport: transport, requestTimeout: timeout, now: now)
        case .gcp(let gcp):
            return GCPFederationExchanger(
                configuration: gcp,
                transport: transport,
                requestTimeout: timeout,
                now: now,
                awsSubjectToken: AWSSubjectToken()
            )
        case .azure(let azure):
            return EntraExchanger(
                configuration: azure,
                transport: transport,
                requestTimeout: timeout,
                now: now,
                awsWebIdentityToken: AWSOutboundWebIdentity(
                    transport: transport,
                    requestTimeout: timeout,
                    now: now,
                    environment: ProcessEnvironment.current()
                )
            )
        }
    }

    static func makeSource(
        _ source: SourceConfiguration,
        transport: any HTTPTransport,
        timeout: Duration,
        now: @escaping @Sendable () -> Date,
        random: SharedRandom,
        logger: Logger
    ) throws(CompositionError) -> any IdentitySource {
        switch source {
        case .tokenFile(let path):
            return TokenFileSource(path: path, now: now)
        case .gcpMetadata(let metadata):
            let endpoint: Endpoint
            do {
                endpoint = try GCPMetadataSourceConfiguration.resolveEndpoint(
                    configured: metadata.endpoint,
                    environment: ProcessEnvironment.current()
                )
            } catch {
                throw .metadataHost(underlying: error)
            }
            return GCPMetadataIdentitySource(
                configuration: metadata,
                endpoint: endpoint,
                transport: transport,
                requestTimeout: timeout,
                now: now
            )
        case .aws(let aws):
            return AWSCredentialChain(
                configuration: aws,
                environment: ProcessEnvironment.current(),
                transport: transport,
                requestTimeout: timeout,
                now: now,
                readFile: { path in try TokenFileSource.readFile(path) }
            )
        }
    }
}
