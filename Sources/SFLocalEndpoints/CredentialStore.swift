import FoundationEssentials
import SFCore
import Synchronization

/// The latest good credentials and refresh state of every target, shared by the rotators (writers)
/// and the health, metrics and endpoint handlers (readers). A lock, not an actor: reads are synchronous.
public final class CredentialStore: Sendable {
    /// A target's state as readers see it.
    public struct TargetState: Sendable {
        public var credentials: IssuedCredentials?
        /// The identity the credentials were obtained with (served by `gcpExternalAccountFile.imdsListen`).
        public var identity: WorkloadIdentity?
        public var lastSuccess: Date?
        public var lastFailure: Date?
        public var consecutiveFailures: Int = 0
        public var refreshes: [String: Int] = [:]

        public init() {}
    }

    private let states: Mutex<[String: TargetState]>

    public init(targets: [String]) {
        states = Mutex(Dictionary(uniqueKeysWithValues: targets.map { ($0, TargetState()) }))
    }

    public func recordSuccess(
        _ target: String,
        credentials: IssuedCredentials,
        identity: WorkloadIdentity? = nil,
        at now: Date
    ) {
        states.withLock { states in
            states[target, default: TargetState()].credentials = credentials
            states[target]?.identity = identity
            states[target]?.lastSuccess = now
            states[target]?.consecutiveFailures = 0
            states[target]?.refreshes["success", default: 0] += 1
        }
    }

    public func recordFailure(_ target: String, kind: FailureKind, at now: Date) {
        states.withLock { states in
            states[target, default: TargetState()].lastFailure = now
            states[target]?.consecutiveFailures += 1
            states[target]?.refreshes[Self.label(kind), default: 0] += 1
        }
    }

    public func state(_ target: String) -> TargetState? {
        states.withLock { $0[target] }
    }

    public func snapshot() -> [String: TargetState] {
        states.withLock { $0 }
    }

    /// Credentials still valid for more than `margin` (scaled down for short lifetimes, see
    /// `Readiness.effectiveMargin`), else nil: expired credentials are never handed out.
    public func validCredentials(_ target: String, now: Date, margin: Duration = .seconds(0)) -> IssuedCredentials? {
        guard let state = state(target), let credentials = state.credentials else { return nil }
        let effective = Readiness.effectiveMargin(
            margin,
            issuedAt: state.lastSuccess,
            expiration: credentials.expiration
        )
        return credentials.expiration.timeIntervalSince(now) > effective.seconds ? credentials : nil
    }

    /// The bounded metric label of a refresh outcome.
    public static func label(_ kind: FailureKind) -> String {
        switch kind {
        case .source: return "source_error"
        case .rejected: return "rejected"
        case .unavailable: return "unavailable"
        case .output: return "output_error"
        }
    }
}
