import SFCore
import SFYAML

/// Parses and validates the agent's YAML configuration into an `AgentConfiguration`.
///
/// Pure: text in, value or every issue out. It reads no environment and fills no hidden defaults
/// (defaults live in the configuration types).
public struct ConfigurationParser: Sendable {
    /// The largest configuration accepted, from a file or from `SKYFERRY_CONFIG_YAML` alike (the one check is in
    /// `parse`; readers stop after `maxBytes + 1` bytes so that it sees an oversized input without holding all of it).
    public static let maxBytes = 64 * 1024

    public init() {}

    /// A target as read, with its index and node for the checks across targets.
    typealias ReadTarget = (target: TargetConfiguration, index: Int, node: YAMLNode)

    /// Parses `text`; `origin` (the file path) is only used in messages.
    public func parse(_ text: String, origin: String) throws(ConfigurationError) -> AgentConfiguration {
        try ConfigurationReader.read(text, origin: origin, read)
    }

    func read(_ root: YAMLNode, _ r: ConfigurationReader) -> AgentConfiguration? {
        let keys = ["source", "targets", "refresh", "health", "server"]
        guard let top = r.mapping(root, at: "", allowed: keys) else { return nil }
        let source = r.required(top, "source", at: "", parent: root).flatMap { readSource($0, r) }
        let parsed = r.required(top, "targets", at: "", parent: root)
            .flatMap { readTargets($0, source: source, r) }
        let refresh = top["refresh"].map { readRefresh($0, r) } ?? RefreshConfiguration()
        let health = top["health"].map { readHealth($0, r) }
        let server = top["server"].map { readServer($0, r) } ?? ServerLimits.loopback
        if let parsed {
            checkOutputPaths(parsed.targets, r)
            checkListenAddresses(parsed.targets, health: health ?? nil, healthNode: top["health"], r)
        }
        guard let source, let parsed, parsed.complete, let refresh, health != .some(nil), let server else {
            return nil
        }
        let targets = parsed.targets.map(\.target)
        return AgentConfiguration(
            source: source,
            targets: targets,
            refresh: refresh,
            health: health ?? nil,
            server: server
        )
    }
}
