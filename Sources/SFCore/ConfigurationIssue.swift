/// One problem found in a configuration file: the key's path, its line, and what is expected.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `targets[1].aws.roleArn`.
    public var path: String
    /// 1-based line, when the problem is tied to a node of the file.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let location = line.map { " (line \($0))" } ?? ""
        return "\(path.isEmpty ? "<top level>" : path)\(location): \(message)"
    }
}

/// Why a configuration was rejected: every issue found, each naming its key.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, description: String)
    case invalid(path: String, issues: [ConfigurationIssue])
    /// The text is longer than `ConfigurationParser.maxBytes` (`size` is at least `limit + 1`: reads stop there).
    case tooLarge(path: String, size: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read configuration file \(path): \(reason)"
        case .syntax(let path, let description):
            return "configuration file \(path) is not valid YAML: \(description)"
        case .invalid(let path, let issues):
            let head = "configuration file \(path) is invalid"
            if issues.count == 1 { return "\(head): \(issues[0])" }
            return "\(head) (\(issues.count) problems):\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
        case .tooLarge(let path, let size, let limit):
            return "configuration \(path) is too large (\(size) bytes or more; the limit is \(limit) bytes). "
                + "Is it the right file? A configuration is a few KiB."
        }
    }
}
