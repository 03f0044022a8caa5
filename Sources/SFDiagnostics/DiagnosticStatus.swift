/// The outcome of one check.
public enum DiagnosticStatus: String, Sendable, Equatable {
    case pass, warn, fail, skip

    /// The mark `skyferry doctor` prints in front of the step.
    public var mark: String {
        switch self {
        case .pass: return "✓"
        case .warn: return "!"
        case .fail: return "✗"
        case .skip: return "-"
        }
    }
}
