import FoundationEssentials
import Logging
import SFCore
import SFLocalEndpoints
import Synchronization

/// One Azure target's access tokens by resource, for its managed-identity endpoint: the latest refresh's token
/// for a pre-fetched resource (`targets[].azure.resources`) while it is valid beyond the margin, else one exchanged
/// now and kept until near its expiry.
///
/// - Single flight: concurrent first requests for a resource wait for one exchange (the first request makes it,
///   the others wait on a continuation in the entry), so a burst of clients costs Entra one request.
/// - Failures are kept briefly (2 s, doubling per consecutive failure up to 30 s), and answered from memory until
///   then, so clients retrying a 503 do not hammer Entra. A cancelled exchange is not kept.
/// - Bounded: at most `capacity` resources. A new one first drops expired tokens and past failures, then the token
///   expiring first, then the oldest failure; when every entry is an exchange in flight, the new resource is
///   exchanged without being kept (no single flight for it, one exchange per request).
///
/// Each exchange it makes is logged once, by the request that made it: `info` with the token's expiry, or
/// `warning` with the error (the endpoint answers that request, and its waiters, 400 or 503). Never a token.
public final class AzureOnDemandTokens: AzureTokenProvider, Sendable {
    public static let defaultCapacity = 32
    /// How long a failed exchange is answered from memory: 2 s, doubling per consecutive failure, at most 30 s.
    public static let failureHoldoff = Backoff(initial: .seconds(2), maximum: .seconds(30), jitter: 0)

    /// The latest refresh: its tokens and when they were obtained.
    public typealias Refreshed = @Sendable () -> (tokens: AzureAccessTokens, issuedAt: Date?)?
    /// One exchange for a bare resource (identity fetch, then `AzureResourceExchanger.exchange(_:resource:)`).
    public typealias Exchange = @Sendable (_ resource: String) async throws -> AzureAccessToken

    public let clientId: String
    public let margin: Duration
    public let capacity: Int
    let refreshed: Refreshed
    let exchange: Exchange
    let now: @Sendable () -> Date
    let logger: Logger?
    /// For logs: the target's name.
    let target: String

    /// What a request learns from the table: a token, or that it makes the exchange.
    enum Ticket: Sendable {
        case token(AzureAccessToken)
        case lead(failures: Int, kept: Bool)
    }

    enum Entry {
        /// An exchange in flight, and the requests waiting for it.
        case pending(waiters: [CheckedContinuation<Ticket, any Error>], failures: Int)
        case cached(AzureAccessToken, fetchedAt: Date)
        case failed(any Error, until: Date, failures: Int)
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init(
        clientId: String,
        margin: Duration,
        capacity: Int = defaultCapacity,
        now: @escaping @Sendable () -> Date,
        refreshed: @escaping Refreshed,
        exchange: @escaping Exchange,
        target: String = "",
        logger: Logger? = nil
    ) {
        self.target = target
        self.logger = logger
        precondition(capacity > 0, "an Azure token cache needs room for at least one resource")
        self.clientId = clientId
        self.margin = margin
        self.capacity = capacity
        self.now = now
        self.refreshed = refreshed
        self.exchange = exchange
    }

    public func accessToken(for resource: String) async throws -> AzureAccessToken {
        let key = AzureManagedIdentityEndpoint.bare(resource)
        let at = now()
        if let latest = refreshed(), let token = latest.tokens.tokens[key],
            isValid(token, fetchedAt: latest.issuedAt, now: at)
        {
            return token
        }
        let ticket = try await withCheckedThrowingContinuation { continuation in
            let decision: Result<Ticket, any Error>? = entries.withLock { entries in
                switch entries[key] {
                case .cached(let token, let fetchedAt) where isValid(token, fetchedAt: fetchedAt, now: at):
                    return .success(.token(token))
                case .failed(let error, let until, _) where at < until:
                    return .failure(error)
                case .pending(var waiters, let failures):
                    waiters.append(continuation)
                    entries[key] = .pending(waiters: waiters, failures: failures)
                    return nil
                case .failed(_, _, let failures):
                    entries[key] = .pending(waiters: [], failures: failures)
                    return .success(.lead(failures: failures, kept: true))
                case .cached, nil:
                    let kept = Self.makeRoom(&entries, for: key, capacity: capacity, now: at)
                    if kept { entries[key] = .pending(waiters: [], failures: 0) }
                    return .success(.lead(failures: 0, kept: kept))
                }
            }
            if let decision { continuation.resume(with: decision) }
        }
        switch ticket {
        case .token(let token):
            return token
        case .lead(let failures, let kept):
            return try await lead(key, failures: failures, kept: kept)
        }
    }

    /// Makes the exchange, then hands its outcome to the waiters and keeps it (unless the entry was not kept).
    func lead(_ key: String, failures: Int, kept: Bool) async throws -> AzureAccessToken {
        let result: Result<AzureAccessToken, any Error>
        do {
            let token = try await exchange(key)
            result = .success(token)
            logger?.info(
                "access token exchanged on demand",
                metadata: [
                    "target.name": "\(target)", "azure.resource": "\(key)",
                    "credential.expiration": "\(Timestamp.formatISO8601(token.expiration))",
                ]
            )
        } catch {
            result = .failure(error)
            logger?.warning(
                "on-demand token exchange failed",
                metadata: [
                    "target.name": "\(target)", "azure.resource": "\(key)", "failures": "\(failures + 1)",
                    "error": "\(error)",
                ]
            )
        }
        guard kept else { return try result.get() }
        let at = now()
        let waiters = entries.withLock { entries in
            guard case .pending(let waiters, _) = entries[key] else {
                return [CheckedContinuation<Ticket, any Error>]()
            }
            switch result {
            case .success(let token):
                entries[key] = .cached(token, fetchedAt: at)
            case .failure(let error) where error is CancellationError:
                entries[key] = nil
            case .failure(let error):
                let holdoff = Self.failureHoldoff.ceiling(attempt: failures)
                entries[key] = .failed(error, until: at.addingTimeInterval(holdoff.seconds), failures: failures + 1)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result.map { .token($0) }) }
        return try result.get()
    }

    /// Valid beyond the margin (scaled down for short lifetimes, as for the refresh's credentials).
    func isValid(_ token: AzureAccessToken, fetchedAt: Date?, now: Date) -> Bool {
        let effective = Readiness.effectiveMargin(margin, issuedAt: fetchedAt, expiration: token.expiration)
        return token.expiration.timeIntervalSince(now) > effective.seconds
    }

    /// Whether a new entry for `key` fits: drops expired tokens and past failures, then, at the cap, the token
    /// expiring first or else the failure ending first. False when every entry is an exchange in flight.
    static func makeRoom(_ entries: inout [String: Entry], for key: String, capacity: Int, now: Date) -> Bool {
        entries = entries.filter { name, entry in
            switch entry {
            case .pending: return true
            case .cached(let token, _): return name == key || token.expiration > now
            case .failed(_, let until, _): return until > now
            }
        }
        guard entries[key] == nil, entries.count >= capacity else { return true }
        var victim: (key: String, at: Date, isToken: Bool)?
        for (name, entry) in entries {
            let candidate: (String, Date, Bool)
            switch entry {
            case .pending: continue
            case .cached(let token, _): candidate = (name, token.expiration, true)
            case .failed(_, let until, _): candidate = (name, until, false)
            }
            // Tokens go before failures (a failure kept is what protects Entra); then the earliest first.
            if let current = victim,
                current.isToken && !candidate.2 || current.isToken == candidate.2 && current.at <= candidate.1
            {
                continue
            }
            victim = candidate
        }
        guard let victim else { return false }
        entries[victim.key] = nil
        return true
    }

    /// How many requests wait for the exchange in flight for `resource` (0 when none is).
    public func waiting(for resource: String) -> Int {
        entries.withLock { entries in
            guard case .pending(let waiters, _) = entries[AzureManagedIdentityEndpoint.bare(resource)] else { return 0 }
            return waiters.count
        }
    }

    /// The number of resources kept (tokens, failures and exchanges in flight).
    public var count: Int { entries.withLock { $0.count } }
}
