/// One cloud identity to obtain and the outputs to hand it over in.
public struct TargetConfiguration: Sendable, Equatable {
    public var name: String
    public var provider: ProviderConfiguration
    public var outputs: OutputsConfiguration
    /// `targets[].source`: this target's own identity source; nil: the top-level `source`.
    /// (One pod exchanging at both clouds needs two projected tokens with different audiences.)
    public var source: SourceConfiguration?

    public init(
        name: String,
        provider: ProviderConfiguration,
        outputs: OutputsConfiguration,
        source: SourceConfiguration? = nil
    ) {
        self.name = name
        self.provider = provider
        self.outputs = outputs
        self.source = source
    }
}
