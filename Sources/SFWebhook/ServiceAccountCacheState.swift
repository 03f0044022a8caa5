/// The ServiceAccount cache as a state machine, pure: a paginated list, then a watch from the list's
/// resourceVersion that bookmarks move forward, resumed where it stopped, relisted on `410 Gone`, retried with
/// backoff on errors. The runner performs each `Action` and feeds back what happened.
///
/// The previous entries keep answering during a relist; the finished list replaces them at once.
public struct ServiceAccountCacheState: Sendable {
    /// The next request.
    public enum Step: Sendable, Equatable {
        case list(continueToken: String?)
        case watch(resourceVersion: String)
    }

    /// A step, at once (`backoffAttempt` nil) or after the backoff of that 0-based attempt.
    public struct Action: Sendable, Equatable {
        public var step: Step
        public var backoffAttempt: Int?

        public init(_ step: Step, backoffAttempt: Int? = nil) {
            self.step = step
            self.backoffAttempt = backoffAttempt
        }
    }

    public private(set) var accounts: [ServiceAccountReference: [String: String]] = [:]
    /// Where the next watch starts; nil before the first complete list.
    public private(set) var resourceVersion: String?
    /// True once a list has completed: from then on a miss is a ServiceAccount created since (or none).
    public private(set) var hasSynced = false
    /// Watches restarted after an error or `410` (not the server's timeouts), for the metrics.
    public private(set) var restarts = 0
    private var listing: [ServiceAccountReference: [String: String]] = [:]
    private var failures = 0
    private var step = Step.list(continueToken: nil)

    public init() {}

    public var first: Action { Action(.list(continueToken: nil)) }

    /// A list page arrived: the next page, or the watch from the list's resourceVersion.
    public mutating func listed(_ page: ServiceAccountListPage) -> Action {
        failures = 0
        for record in page.records { listing[record.reference] = record.annotations }
        if let token = page.continueToken {
            step = .list(continueToken: token)
        } else {
            accounts = listing
            listing = [:]
            resourceVersion = page.resourceVersion
            hasSynced = true
            step = .watch(resourceVersion: page.resourceVersion)
        }
        return Action(step)
    }

    /// A watch event arrived: nil to keep watching, or what to do instead (the watch is over).
    public mutating func received(_ event: ServiceAccountWatchEvent) -> Action? {
        switch event {
        case .upsert(let record):
            failures = 0
            accounts[record.reference] = record.annotations
            advance(to: record.resourceVersion)
        case .deleted(let record):
            failures = 0
            accounts[record.reference] = nil
            advance(to: record.resourceVersion)
        case .bookmark(let version):
            failures = 0
            advance(to: version)
        case .error(let code, _):
            return failed(gone: code == 410)
        }
        return nil
    }

    /// The server ended the watch cleanly (its timeout): watch again from where it stopped, at once.
    public mutating func watchEnded() -> Action {
        Action(step)
    }

    /// The request failed (transport error, non-200 answer, a broken stream). `gone`: `410`, the
    /// resourceVersion or continue token expired, so the list starts over at once; otherwise the same step is
    /// retried after a growing backoff.
    public mutating func failed(gone: Bool) -> Action {
        restarts += 1
        if gone {
            listing = [:]
            step = .list(continueToken: nil)
            return Action(step)
        }
        failures += 1
        return Action(step, backoffAttempt: failures - 1)
    }

    /// A ServiceAccount read directly (a cache miss): kept until the watch says otherwise.
    public mutating func remember(_ record: ServiceAccountRecord) {
        if accounts[record.reference] == nil { accounts[record.reference] = record.annotations }
    }

    private mutating func advance(to version: String) {
        guard !version.isEmpty else { return }
        resourceVersion = version
        step = .watch(resourceVersion: version)
    }
}
