import SFCore

/// `skyferry.dev/mode`.
public enum InjectionMode: String, Sendable, Equatable, CaseIterable {
    /// The agent keeps credentials fresh next to the app (native sidecar, or init + sidecar).
    case sidecar
    /// One `--once` init container writes credential files; for Jobs and CronJobs.
    case initOnly = "init-only"
}
