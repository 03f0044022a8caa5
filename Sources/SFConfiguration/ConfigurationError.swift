#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a configuration was rejected: every issue found, each naming its key.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (`errno` from `open` or `read`).
    case unreadable(path: String, errno: Int32)
    case syntax(path: String, description: String)
    case invalid(path: String, issues: [ConfigurationIssue])
    /// The text is longer than `ConfigurationParser.maxBytes` (`size` is at least `limit + 1`: reads stop there).
    case tooLarge(path: String, size: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let code):
            return "cannot read configuration file \(path): \(String(cString: strerror(code)))"
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
