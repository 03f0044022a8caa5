import FoundationEssentials
import Logging
import SFCore
import SFLocalEndpoints
import ServiceLifecycle

/// Keeps one target's outputs fresh for as long as the agent runs.
///
/// Refreshes at a jittered fraction of each granted lifetime; on failure keeps the last good credentials
/// (on disk and in the store) and retries with capped exponential backoff — rejections more slowly,
/// since they need an operator. It never exits on a failed refresh; only graceful shutdown stops it.
public struct CredentialRotator<C: Clock>: Service, CustomStringConvertible where C.Duration == Duration {
    /// swift-service-lifecycle logs services at debug level: say which, and nothing of their transport or settings.
    public var description: String { "CredentialRotator(target: \(exchange.name))" }

    public let exchange: TargetExchange
    public let store: CredentialStore
    public let metrics: AgentMetrics
    public let writer: OutputWriter
    public let refresh: RefreshConfiguration
    public let clock: C
    public let now: @Sendable () -> Date
    public let random: SharedRandom
    public let logger: Logger
    /// Runs after each attempt, before the rotator sleeps (the agent gives back start-up and refresh pages).
    public let afterAttempt: @Sendable () -> Void

    public init(
        exchange: TargetExchange,
        store: CredentialStore,
        metrics: AgentMetrics,
        writer: OutputWriter,
        refresh: RefreshConfiguration,
        clock: C,
        now: @escaping @Sendable () -> Date,
        random: SharedRandom,
        logger: Logger,
        afterAttempt: @escaping @Sendable () -> Void = {}
    ) {
        self.afterAttempt = afterAttempt
        self.exchange = exchange
        self.store = store
        self.metrics = metrics
        self.writer = writer
        self.refresh = refresh
        self.clock = clock
        self.now = now
        self.random = random
        self.logger = logger
    }

    public func run() async throws {
        let schedule = RefreshSchedule(refresh)
        let backoff = Backoff(refresh)
        // Rejections need an operator: retry at least 10 s apart (12 s less up to 15 %), doubling up to 5 min.
        // They are one pod's configuration error, not a shared outage, so they need little spreading.
        let slowBackoff = Backoff(
            initial: .seconds(max(refresh.backoffInitialSeconds, 12)),
            maximum: .seconds(max(refresh.backoffMaxSeconds, 300)),
            jitter: 0.15
        )
        var random = random
        var failures = 0
        let name = exchange.name
        let margin = Duration.seconds(refresh.expiryMarginSeconds)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let delay: Duration
            do throws(TargetFailure) {
                // An in-flight exchange is abandoned on graceful shutdown (outputs are only ever replaced whole).
                let outcome = try await attemptUnlessShuttingDown()
                _ = try writer.write(outcome, for: exchange.target)
                let issuedAt = now()
                let credentials = outcome.credentials
                let expiration = outcome.expiration(for: exchange.target.outputs)
                store.recordSuccess(name, credentials: credentials, identity: outcome.identity, at: issuedAt)
                metrics.recordRefresh(name, kind: nil)
                failures = 0
                delay = schedule.delay(issuedAt: issuedAt, expiration: expiration, using: &random)
                logger.info(
                    "credentials refreshed",
                    metadata: [
                        "target.name": "\(name)", "credential.expiration": "\(Timestamp.formatISO8601(expiration))",
                        "refresh.in": "\(TargetExchange.format(delay))",
                    ]
                )
                if RefreshSchedule.isShorterThanSDKWindow(issuedAt: issuedAt, expiration: credentials.expiration) {
                    logger.warning(
                        "issued lifetime is shorter than common SDK refresh windows (15 min); SDKs refresh constantly",
                        metadata: [
                            "target.name": "\(name)",
                            "credential.lifetime": "\(Int(credentials.expiration.timeIntervalSince(issuedAt)))s",
                        ]
                    )
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                let at = now()
                store.recordFailure(name, kind: error.kind, at: at)
                metrics.recordRefresh(name, kind: error.kind)
                let policy = error.kind == .unavailable ? backoff : slowBackoff
                delay = policy.delay(attempt: failures, using: &random)
                failures += 1
                let valid = store.validCredentials(name, now: at, margin: margin)
                var metadata: Logger.Metadata = [
                    "target.name": "\(name)", "retry.in": "\(TargetExchange.format(delay))", "failures": "\(failures)",
                    "error": "\(error)",
                ]
                if let valid {
                    metadata["credential.expiration"] = "\(Timestamp.formatISO8601(valid.expiration))"
                    logger.warning("refresh failed; last good credentials are still valid", metadata: metadata)
                } else {
                    logger.error("refresh failed and no valid credentials remain", metadata: metadata)
                }
            }
            afterAttempt()
            do {
                try await gracefulSleep(delay)
            } catch {
                break
            }
        }
    }

    private func attemptUnlessShuttingDown() async throws(TargetFailure) -> ExchangeOutcome {
        let result: Result<ExchangeOutcome, TargetFailure> = await cancelWhenGracefulShutdown {
            do throws(TargetFailure) {
                let outcome = try await exchange.attemptWithFreshTokenRetry(
                    clock: clock,
                    random: random,
                    logger: logger
                )
                return .success(outcome)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Sleeps, waking early (and throwing) on graceful shutdown or cancellation.
    private func gracefulSleep(_ delay: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await clock.sleep(for: delay)
        }
    }
}
