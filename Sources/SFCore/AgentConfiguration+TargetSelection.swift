/// The targets a command's `--target` option picks. Pure; `origin` names the configuration in messages.
extension AgentConfiguration {
    /// `name`'s target, or every target when `name` is nil (`skyferry doctor`).
    public func targets(named name: String?, origin: String) throws(TargetSelectionError) -> [TargetConfiguration] {
        guard let name else { return targets }
        let matching = targets.filter { $0.name == name }
        guard !matching.isEmpty else {
            throw .unknown(origin: origin, name: name, provider: nil, available: targets.map(\.name))
        }
        return matching
    }

    /// The AWS target named `name`, or with no name the only AWS target (`skyferry credential-process`).
    public func awsTarget(named name: String?, origin: String) throws(TargetSelectionError) -> TargetConfiguration {
        let aws = targets.filter { if case .aws = $0.provider { return true } else { return false } }
        if let name {
            guard let match = aws.first(where: { $0.name == name }) else {
                throw .unknown(origin: origin, name: name, provider: "AWS", available: aws.map(\.name))
            }
            return match
        }
        guard aws.count == 1 else { throw .ambiguous(origin: origin, provider: "AWS", available: aws.map(\.name)) }
        return aws[0]
    }
}
