import SFWebhook
import Synchronization

/// The ServiceAccount cache shared by the watcher (which writes it) and the admission route (which reads it):
/// one `ServiceAccountCacheState` behind a lock, and the readiness that depends on it.
public final class ServiceAccountCache: Sendable {
    private let state = Mutex(ServiceAccountCacheState())
    private let started: ContinuousClock.Instant
    private let readyTimeout: Duration

    public init(readyTimeout: Duration, started: ContinuousClock.Instant = .now) {
        self.readyTimeout = readyTimeout
        self.started = started
    }

    /// The ServiceAccount's `skyferry.dev/*` annotations, or nil when it is not cached.
    public func annotations(of reference: ServiceAccountReference) -> [String: String]? {
        state.withLock { $0.accounts[reference] }
    }

    /// Applies one transition; returns what it returns.
    public func update<Result: Sendable>(_ body: (inout ServiceAccountCacheState) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    public var count: Int { state.withLock { $0.accounts.count } }
    public var hasSynced: Bool { state.withLock { $0.hasSynced } }

    /// Ready after the first complete list, or once `readyTimeout` has passed without one (the API server
    /// unreachable: pods complete by themselves are still admitted, so the webhook must serve).
    public func isReady(now: ContinuousClock.Instant = .now) -> Bool {
        hasSynced || now - started >= readyTimeout
    }
}
