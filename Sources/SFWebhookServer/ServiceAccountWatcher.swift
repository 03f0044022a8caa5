import Logging
import SFCore
import SFWebhook
import ServiceLifecycle
import Synchronization

/// Keeps `ServiceAccountCache` current: performs each step `ServiceAccountCacheState` decides (a paginated
/// list, a streamed watch from its resourceVersion, a relist after `410 Gone`, a backoff after errors) and
/// feeds back what happened. Stops on graceful shutdown.
public struct ServiceAccountWatcher: Service, CustomStringConvertible {
    public var description: String { "ServiceAccountWatcher(\(requests.server))" }

    /// A list page must arrive within this; a watch lasts its `timeoutSeconds` plus this margin.
    public static let requestTimeout = Duration.seconds(30)
    public static let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))

    let cache: ServiceAccountCache
    let requests: KubernetesAPIRequests
    let transport: any HTTPTransport
    let streams: any HTTPLineStreamTransport
    let token: KubernetesTokenFile
    let metrics: ServiceAccountMetrics
    let backoff: Backoff
    let logger: Logger

    public init(
        cache: ServiceAccountCache,
        requests: KubernetesAPIRequests,
        transport: any HTTPTransport,
        streams: any HTTPLineStreamTransport,
        token: KubernetesTokenFile,
        metrics: ServiceAccountMetrics,
        backoff: Backoff = Self.backoff,
        logger: Logger
    ) {
        self.cache = cache
        self.requests = requests
        self.transport = transport
        self.streams = streams
        self.token = token
        self.metrics = metrics
        self.backoff = backoff
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var action = cache.update { $0.first }
            var random = SystemRandomNumberGenerator()
            while !Task.isCancelled {
                if let attempt = action.backoffAttempt {
                    try await Task.sleep(for: backoff.delay(attempt: attempt, using: &random))
                }
                switch action.step {
                case .list(let continueToken):
                    action = await list(continueToken: continueToken)
                case .watch(let resourceVersion):
                    action = await watch(from: resourceVersion)
                }
                metrics.setCached(cache.count)
            }
        }
    }

    /// What went wrong, for the log and the restart count: the next action from the state.
    private func failed(_ step: String, gone: Bool, _ reason: String) -> ServiceAccountCacheState.Action {
        metrics.recordRestart()
        if gone {
            logger.info(
                "ServiceAccount list restarted",
                metadata: ["kubernetes.step": "\(step)", "reason": "\(reason)"]
            )
        } else {
            logger.warning(
                "ServiceAccount cache request failed",
                metadata: [
                    "kubernetes.step": "\(step)", "reason": "\(reason)",
                ]
            )
        }
        return cache.update { $0.failed(gone: gone) }
    }

    private func bearer() -> Result<String, KubernetesTokenError> {
        Result { () throws(KubernetesTokenError) in try token.current() }
    }

    func list(continueToken: String?) async -> ServiceAccountCacheState.Action {
        let bearer: String
        switch self.bearer() {
        case .success(let value): bearer = value
        case .failure(let error): return failed("list", gone: false, "\(error)")
        }
        let response: HTTPResponse
        do {
            response = try await transport.send(
                requests.list(continueToken: continueToken, token: bearer),
                timeout: Self.requestTimeout
            )
        } catch {
            return failed("list", gone: false, "\(error)")
        }
        guard response.status == 200 else {
            if response.status == 401 { token.invalidate() }
            return failed("list", gone: response.status == 410, "HTTP \(response.status): \(Self.message(response))")
        }
        let page: ServiceAccountListPage
        do {
            page = try ServiceAccountListPage(decoding: response.body)
        } catch {
            return failed("list", gone: false, "\(error)")
        }
        let wasSynced = cache.hasSynced
        let next = cache.update { $0.listed(page) }
        if case .watch = next.step, !wasSynced {
            logger.info("ServiceAccount cache synced", metadata: ["serviceAccounts.count": "\(cache.count)"])
        }
        return next
    }

    func watch(from resourceVersion: String) async -> ServiceAccountCacheState.Action {
        let bearer: String
        switch self.bearer() {
        case .success(let value): bearer = value
        case .failure(let error): return failed("watch", gone: false, "\(error)")
        }
        // Set by the line handler (on the transfer's thread) when an event ends the watch (410, an error).
        let instead = Mutex<ServiceAccountCacheState.Action?>(nil)
        let undecodable = Mutex<String?>(nil)
        let cache = self.cache
        let metrics = self.metrics
        let response: HTTPResponse
        do {
            response = try await streams.stream(
                requests.watch(resourceVersion: resourceVersion, token: bearer),
                timeout: .seconds(requests.watchTimeoutSeconds) + Self.requestTimeout
            ) { line in
                let event: ServiceAccountWatchEvent
                do {
                    event = try ServiceAccountWatchEvent(decoding: line)
                } catch {
                    undecodable.withLock { $0 = "\(error)" }
                    return false
                }
                let next = cache.update { $0.received(event) }
                if case .error(let code, let message) = event {
                    undecodable.withLock { $0 = "ERROR event \(code): \(message)" }
                    metrics.recordRestart()
                }
                metrics.setCached(cache.count)
                guard let next else { return true }
                instead.withLock { $0 = next }
                return false
            }
        } catch {
            return failed("watch", gone: false, "\(error)")
        }
        if let next = instead.withLock({ $0 }) {
            let reason = undecodable.withLock { $0 } ?? ""
            if next.backoffAttempt != nil {
                logger.warning("ServiceAccount watch failed", metadata: ["reason": "\(reason)"])
            } else {
                logger.info("ServiceAccount list restarted", metadata: ["reason": "\(reason)"])
            }
            return next
        }
        if let reason = undecodable.withLock({ $0 }) { return failed("watch", gone: false, reason) }
        guard response.status == 200 else {
            if response.status == 401 { token.invalidate() }
            return failed("watch", gone: response.status == 410, "HTTP \(response.status): \(Self.message(response))")
        }
        return cache.update { $0.watchEnded() }
    }

    /// The `message` of a Kubernetes `Status` body, else the start of the body.
    static func message(_ response: HTTPResponse) -> String {
        if let document = try? JSONValue(parsing: response.body), let message = document["message"]?.stringValue {
            return String(message.prefix(300))
        }
        return String(response.text.prefix(300))
    }
}
