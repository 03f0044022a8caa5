/// Why `--target` (or its absence) picks no target of a configuration. The command ends with
/// `configurationInvalid`.
public enum TargetSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--target NAME` names no target of the configuration at `origin` (of `provider`, when the command takes
    /// only one cloud's targets, e.g. `AWS`); `available` are the names it could have been.
    case unknown(origin: String, name: String, provider: String?, available: [String])
    /// No `--target`, and the configuration has not exactly one target of `provider`.
    case ambiguous(origin: String, provider: String, available: [String])

    public var description: String {
        switch self {
        case .unknown(let origin, let name, let provider, let available):
            let kind = provider.map { "\($0) " } ?? ""
            return "\(origin): no \(kind)target named \"\(name)\" (\(kind)targets: "
                + "\(available.joined(separator: ", ")))"
        case .ambiguous(let origin, let provider, let available):
            return "\(origin) has \(available.count) \(provider) targets (\(available.joined(separator: ", "))); "
                + "choose one with --target"
        }
    }
}
