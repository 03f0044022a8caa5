import ArgumentParser
import FoundationEssentials
import Logging
import SFAgent
import SFConsole
import SFCore
import SFCrypto
import SFHTTP
import SFOutputs
#if canImport(Glibc)
import Glibc
#endif

/// `skyferry credential-process`: AWS `credential_process` JSON on stdout, for `~/.aws/config`.
///
/// Results are cached per resolved target (a SHA-256 of its settings, not the configuration's path) in an
/// owner-only file that is only trusted when this user alone could have written it, and reused while
/// `CredentialCachePolicy` allows, under an exclusive lock, so SDKs calling often (or several at once)
/// make one STS call per refresh window. Nothing is printed unless the credentials are complete and valid.
struct CredentialProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential-process",
        abstract:
            "Print AWS credential_process JSON for an AWS target (for credential_process = skyferry "
            + "credential-process …).",
        discussion: "Outputs configured for the target are not written. Logs go to stderr at warning level and above "
            + "unless --log-level says otherwise. " + CommandExitStatus.helpText(AgentCommand.statuses)
    )

    @Option(name: .long, help: "Path of the YAML configuration file.")
    var config: String

    @Option(name: .long, help: "The AWS target to print credentials for (needed when the configuration has several).")
    var target: String?

    @Option(
        name: .long,
        help: "Directory of the credential cache (default: $XDG_CACHE_HOME/skyferry, else ~/.cache/skyferry)."
    )
    var cacheDir: String?

    @Flag(name: .long, help: "Do not read or write the cache: exchange on every call.")
    var noCache = false

    @Option(name: .long, help: "Extra PEM CA bundle to trust, in addition to the system store, for HTTPS endpoints.")
    var caBundle: String?

    @Option(name: .long, help: "Lowest level logged on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelArgument = .init(.warning)

    @Option(name: .long, help: "Log line format on stderr: text or json.")
    var logFormat: LogFormat = .text

    func run() async throws {
        var global = GlobalOptions()
        global.logLevel = logLevel
        global.logFormat = logFormat
        let logger = makeLogger(global)
        let configuration = try loadConfiguration(ConfigurationInput(path: config), logger: logger)
        let chosen: TargetConfiguration
        do {
            chosen = try configuration.awsTarget(named: target, origin: config)
        } catch {
            throw CommandFailure("\(error)", .configurationInvalid)
        }

        let now: @Sendable () -> Date = { Date() }
        let environment = ProcessEnvironment.current()
        let transport = CurlTransport(
            options: .init(
                extraCABundle: caBundle,
                proxy: ProxySettings.from(environment: environment),
                userAgent: "skyferry/\(Skyferry.version)"
            )
        )
        let random = SharedRandom { SecureRandom.bytes(8).withUnsafeBytes { $0.load(as: UInt64.self) } }
        var single = configuration
        single.targets = [chosen]
        let exchange = try Composition.exchanges(
            single,
            transport: transport,
            metrics: AgentMetrics(targets: [chosen.name]),
            now: now,
            random: random,
            logger: logger
        )[0]
        let deadline = Duration.seconds(configuration.refresh.retryDeadlineSeconds)

        func exchangeNow() async throws(CommandFailure) -> AWSCredentials {
            let outcome: ExchangeOutcome
            do {
                outcome = try await exchange.exchange(
                    deadline: deadline,
                    backoff: Backoff(configuration.refresh),
                    clock: ContinuousClock(),
                    random: random,
                    logger: logger
                )
            } catch {
                throw CommandFailure("\(error)", CommandExitStatus(error.kind))
            }
            guard case .aws(let credentials) = outcome.credentials else {
                throw CommandFailure("target \"\(chosen.name)\" did not produce AWS credentials", .failure)
            }
            return credentials
        }

        let credentials: AWSCredentials
        if noCache {
            credentials = try await exchangeNow()
        } else {
            guard let directory = cacheDir ?? CredentialProcessCache.defaultDirectory(environment: environment) else {
                throw CommandFailure(
                    "no cache directory: set --cache-dir, XDG_CACHE_HOME or HOME, or pass --no-cache",
                    .configurationInvalid
                )
            }
            let key = CredentialCacheKey.canonical(
                target: chosen,
                configuration: configuration,
                environment: environment
            )
            let digest = Digest.sha256(Array(key.utf8))
            let cache = CredentialProcessCache(
                directory: directory,
                fileName: CredentialProcessCache.fileName(
                    target: chosen.name,
                    digest: digest
                ),
                euid: UInt32(geteuid())
            )
            do {
                credentials = try await cache.withLock(timeout: deadline + .seconds(5)) { session in
                    let lookup = session.read()
                    if case .hit(let entry) = lookup,
                        CredentialCachePolicy.isReusable(
                            issuedAt: Date(timeIntervalSince1970: entry.issuedAt),
                            expiration: Date(timeIntervalSince1970: entry.expiration),
                            now: now()
                        )
                    {
                        logger.debug(
                            "credentials served from cache",
                            metadata: ["file.path": "\(cache.path)", "target.name": "\(chosen.name)"]
                        )
                        return entry.credentials
                    }
                    let issuedAt = now()
                    let fresh = try await exchangeNow()
                    if case .refused(let refusal) = lookup {
                        // Someone else's file: neither trusted nor replaced. The SDK still gets credentials.
                        logger.warning("credential cache not used", metadata: ["error": "\(refusal)"])
                        return fresh
                    }
                    do {
                        try session.write(.init(fresh, issuedAt: issuedAt))
                    } catch {
                        // A cache that cannot be written costs an STS call next time, nothing more.
                        logger.warning("cannot write the credential cache", metadata: ["error": "\(error)"])
                    }
                    return fresh
                }
            } catch let refusal as CredentialCacheRefusal {
                // Failing would leave every SDK call without credentials until someone repairs the directory;
                // exchanging without the cache reads and writes nothing there, at the cost of one STS call.
                logger.warning("credential cache not used", metadata: ["error": "\(refusal)"])
                credentials = try await exchangeNow()
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure("\(error)", .outputFailed)
            }
        }

        // Never print credentials an SDK would reject as expired (it would call us again at once).
        guard CredentialCachePolicy.isWorthHandingOut(expiration: credentials.expiration, now: now()) else {
            let expiry = Timestamp.formatISO8601(credentials.expiration)
            throw CommandFailure(
                "target \"\(chosen.name)\": the credentials STS issued expire at \(expiry), less than a "
                    + "minute from now; check this machine's clock",
                .stsUnavailable
            )
        }
        print(CredentialProcessRenderer.render(credentials))
    }
}
