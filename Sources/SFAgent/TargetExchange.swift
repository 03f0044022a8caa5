import FoundationEssentials
import Logging
import SFCore

/// One target's way to credentials: fetch the identity token, exchange it. Retries live here, and only here:
/// `exchange(...)` retries what is unavailable, `readyIdentity` waits for a source that is not ready yet.
public struct TargetExchange: Sendable {
    public let target: TargetConfiguration
    public let source: any IdentitySource
    public let exchanger: any CredentialExchanger

    public init(target: TargetConfiguration, source: any IdentitySource, exchanger: any CredentialExchanger) {
        self.target = target
        self.source = source
        self.exchanger = exchanger
    }

    public var name: String { target.name }

    /// One attempt: a fresh token (re-read every time, waited for while the source is not ready yet), one exchange.
    public func attempt<C: Clock>(
        clock: C,
        random: SharedRandom,
        logger: Logger
    ) async throws(TargetFailure) -> ExchangeOutcome where C.Duration == Duration {
        let identity = try await readyIdentity(clock: clock, random: random, logger: logger)
        switch identity {
        case .token(let token):
            logger.debug(
                "identity token read",
                metadata: [
                    "target.name": "\(name)", "source": "\(source.origin)",
                    "token.iss": "\(token.claims.issuer ?? "-")", "token.sub": "\(token.claims.subject ?? "-")",
                    "token.aud": "\(token.claims.audiences.joined(separator: ","))",
                    "token.exp": "\(token.claims.expiresAt.map(Timestamp.formatISO8601) ?? "-")",
                ]
            )
        case .aws(let credentials, let region):
            logger.debug(
                "AWS credentials resolved",
                metadata: [
                    "target.name": "\(name)", "source": "\(source.origin)",
                    "aws.accessKeyId": "\(credentials.accessKeyID.prefix(4))…",
                    "aws.region": "\(region)",
                    "credential.expiration": "\(Timestamp.formatISO8601(credentials.expiration))",
                ]
            )
        }
        do {
            return ExchangeOutcome(credentials: try await exchanger.exchange(identity), identity: identity)
        } catch {
            throw TargetFailure(
                target: name,
                step: .exchange(provider: exchanger.provider, endpoint: exchanger.endpointDescription),
                underlying: error
            )
        }
    }

    /// The workload's identity. While the source is not ready yet (a failure that `mayPassOnceReady`: GKE's
    /// metadata server in the first seconds of a pod) it is asked again, backing off from 250 ms to 4 s, until
    /// its `startupWait` has passed; then the last failure stands. Sources never retry themselves.
    func readyIdentity<C: Clock>(
        clock: C,
        random: SharedRandom,
        logger: Logger
    ) async throws(TargetFailure) -> WorkloadIdentity where C.Duration == Duration {
        let deadline = clock.now.advanced(by: source.startupWait)
        let backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(4))
        var random = random
        var retries = 0
        while true {
            do {
                return try await source.fetchIdentity()
            } catch {
                let failure = TargetFailure(target: name, step: .source, underlying: error)
                let notReady = (error as? any ClassifiedFailure)?.mayPassOnceReady ?? false
                let remaining = clock.now.duration(to: deadline)
                guard notReady, remaining > .zero, !Task.isCancelled else { throw failure }
                let delay = min(backoff.delay(attempt: retries, using: &random), remaining)
                retries += 1
                logger.notice(
                    "identity source not ready; waiting",
                    metadata: [
                        "target.name": "\(name)", "source": "\(source.origin)", "retry.in": "\(Self.format(delay))",
                        "retry.attempt": "\(retries)",
                    ]
                )
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw TargetFailure(target: name, step: .source, underlying: CancellationError())
                }
            }
        }
    }

    /// One attempt, and when it is rejected in a way a rotated token could fix (expired or invalid token:
    /// the kubelet may have just replaced it), one more straight away with the token re-read.
    public func attemptWithFreshTokenRetry<C: Clock>(
        clock: C,
        random: SharedRandom,
        logger: Logger
    ) async throws(TargetFailure) -> ExchangeOutcome where C.Duration == Duration {
        do {
            return try await attempt(clock: clock, random: random, logger: logger)
        } catch {
            guard error.kind == .rejected, error.mayPassWithFreshToken, !Task.isCancelled else { throw error }
            logger.debug(
                "exchange rejected the token; re-reading it and retrying once",
                metadata: ["target.name": "\(name)"]
            )
            return try await attempt(clock: clock, random: random, logger: logger)
        }
    }

    /// Attempts until success, a failure retrying cannot fix, or the deadline.
    ///
    /// Transient failures back off exponentially with jitter; a rejection that a rotated token could fix
    /// (expired/invalid token) is retried once straight away with a re-read token.
    public func exchange<C: Clock>(
        deadline: Duration,
        backoff: Backoff,
        clock: C,
        random: SharedRandom,
        logger: Logger
    ) async throws(TargetFailure) -> ExchangeOutcome where C.Duration == Duration {
        let end = clock.now.advanced(by: deadline)
        var random = random
        var retries = 0
        var retriedWithFreshToken = false
        while true {
            do {
                if retriedWithFreshToken { return try await attempt(clock: clock, random: random, logger: logger) }
                retriedWithFreshToken = true
                return try await attemptWithFreshTokenRetry(clock: clock, random: random, logger: logger)
            } catch {
                guard error.kind == .unavailable else { throw error }
                // The last retry sleeps only what is left of the deadline, then tries once more.
                let remaining = clock.now.duration(to: end)
                guard remaining > .zero, !Task.isCancelled else { throw error }
                let delay = min(backoff.delay(attempt: retries, using: &random), remaining)
                logger.notice(
                    "exchange failed; retrying",
                    metadata: [
                        "target.name": "\(name)", "retry.in": "\(Self.format(delay))",
                        "retry.attempt": "\(retries + 1)",
                        "error": "\(error)",
                    ]
                )
                retries += 1
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw TargetFailure(
                        target: name,
                        step: .exchange(provider: exchanger.provider, endpoint: exchanger.endpointDescription),
                        underlying: CancellationError()
                    )
                }
            }
        }
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds < 10 ? "\(Double(Int(seconds * 10)) / 10)s" : "\(Int(seconds))s"
    }
}
