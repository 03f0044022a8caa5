/// Why `setup`'s flags do not describe a workload: a usage error (a flag missing or contradicting another),
/// or a value that breaks a rule (a name Kubernetes refuses, printed into commands and trust conditions).
public enum SetupFlagError: Error, Sendable, Equatable, CustomStringConvertible {
    case usage(String)
    case invalidValue(String)

    public var description: String {
        switch self {
        case .usage(let message), .invalidValue(let message): return message
        }
    }
}
