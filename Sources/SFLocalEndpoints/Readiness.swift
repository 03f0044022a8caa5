import FoundationEssentials
import SFCore

/// Whether the agent is ready: every target holds credentials valid for more than the margin. Pure.
public enum Readiness {
    public struct Report: Sendable, Equatable {
        public var ready: Bool
        /// Targets that are not ready, with why ("no credentials yet", "credentials expire in 12 s").
        public var notReady: [String: String]
    }

    public static func evaluate(
        targets: [String],
        states: [String: CredentialStore.TargetState],
        now: Date,
        margin: Duration
    ) -> Report {
        var notReady: [String: String] = [:]
        for target in targets {
            guard let credentials = states[target]?.credentials else {
                notReady[target] = "no credentials yet"
                continue
            }
            let remaining = credentials.expiration.timeIntervalSince(now)
            let effective = effectiveMargin(
                margin,
                issuedAt: states[target]?.lastSuccess,
                expiration: credentials.expiration
            )
            if remaining <= 0 {
                notReady[target] = "credentials expired \(Int(-remaining)) s ago"
            } else if remaining <= effective.seconds {
                notReady[target] = "credentials expire in \(Int(remaining)) s"
            }
        }
        return Report(ready: notReady.isEmpty, notReady: notReady)
    }

    /// The configured margin, but never more than a quarter of the granted lifetime: credentials that
    /// live 20 s are still "valid" with 15 s left, or they would never count as valid at all.
    public static func effectiveMargin(_ margin: Duration, issuedAt: Date?, expiration: Date) -> Duration {
        guard let issuedAt else { return margin }
        let lifetime = expiration.timeIntervalSince(issuedAt)
        return lifetime > 0 ? .seconds(min(margin.seconds, lifetime / 4)) : margin
    }
}
